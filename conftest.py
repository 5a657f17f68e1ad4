# Root conftest: the same environment for nbval's notebook kernels as for tests/.
import os

os.environ.setdefault("COURSE_PROFILE", "fast")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

# One share of the cores per pytest-xdist worker: with `pytest -n N` on C cores, TensorFlow and
# OpenMP in each worker (and in the notebook kernels and graders it starts) use C // N threads,
# so that N workers do not oversubscribe the cores. Measured on 2 cores with -n 2, lessons 02
# and 03 under nbval: 80 s with the default thread pools, 73 s with one thread each.
_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT") or 1)
_THREADS = str(max(1, (os.cpu_count() or 1) // _WORKERS))
for _name in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_name, _THREADS)
