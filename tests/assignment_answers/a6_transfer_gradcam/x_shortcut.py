"""Calling the course's reference is not an answer: PCA colour statistics are the course's
``augment.pca_color_statistics`` and Grad-CAM calls ``visualize.grad_cam`` (both imported by
the setup cell). While grading, both are unavailable in the sandbox: those exercises score 0.
The fine-tuning run is skipped (``fine_tuned = None``): its accuracy check scores 0 too.
"""
EXPECTED = {"test_pca": 0, "test_fine_tune_accuracy": 0, "test_grad_cam": 0}

# %% answer pca
pca_color_statistics = augment.pca_color_statistics


def pca_shift(image, alphas, eigenvalues, eigenvectors):
    return np.asarray(image, dtype=np.float64) + np.asarray(eigenvectors) @ (
        np.asarray(alphas) * np.asarray(eigenvalues))

# %% answer fine_tune_run
fine_tuned = None

# %% answer grad_cam
def my_grad_cam(model, image, class_index, layer_name):
    return visualize.grad_cam(model, image[None], class_index, layer_name=layer_name)[0]
