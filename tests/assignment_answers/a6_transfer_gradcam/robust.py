"""A submission that loops forever in one exercise: only that exercise's points are lost.

- my_grad_cam never returns: its test cell is interrupted at the cell timeout (0/3); the cells
  before it are graded normally.
- pca_shift is right but prints to stderr on every call: nothing is lost.
- the fine-tuning run cell raises after building fine_tuned: an error in an answer cell costs
  nothing by itself (2/2).
"""
EXPECTED = {"test_grad_cam": 0}

# %% answer pca
import sys


def pca_color_statistics(images):
    x = np.asarray(images, dtype=np.float64)
    if np.asarray(images).dtype == np.uint8:
        x = x / 255.0
    values, vectors = np.linalg.eigh(np.cov(x.reshape(-1, 3), rowvar=False))
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    signs = np.sign(vectors[np.argmax(np.abs(vectors), axis=0), np.arange(3)])
    return values, vectors * signs


def pca_shift(image, alphas, eigenvalues, eigenvectors):
    print("pca_shift called", file=sys.stderr)
    return np.asarray(image, dtype=np.float64) + np.asarray(eigenvectors) @ (
        np.asarray(alphas) * np.asarray(eigenvalues))

# %% answer fine_tune_run
backbone = transfer.backbone("efficientnet_lite0", input_shape=x_target.shape[1:])
fine_tuned = two_phase(backbone, x_target, y_target, len(CLASSES), head_epochs=10, fine_epochs=3,
                       learning_rate=1e-2, top=10, batch_size=32)
raise RuntimeError("the student's own check")

# %% answer grad_cam
def my_grad_cam(model, image, class_index, layer_name):
    import time
    while True:
        time.sleep(0.5)      # never returns (sleeping: CI's cores stay free; A2's loops are busy)
