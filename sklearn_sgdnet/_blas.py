"""The BLAS policy of a training step: how many threads, which product layout.

A mini-batch step is a chain of small matrix products, and a BLAS left to
itself spends more on waking its threads than on multiplying. This module
decides, from the step's shapes, how many threads its products get
(:func:`step_threads`, applied by :func:`blas_threads_limit`) and whether the
first layer's product is computed transposed
(:func:`transposed_first_product_pays`). The figures behind each rule are
measured by ``benchmarks/bench_threads.py``, which sets the rule aside
through :func:`thread_policy` instead of patching this module's globals.

Nothing here imports scikit-learn; the engines and the training loop use it.
"""

import contextlib
from contextlib import nullcontext

from threadpoolctl import ThreadpoolController

# When BLAS threads pay. A mini-batch step is a chain of small matrix
# products; a multi-threaded BLAS wakes and synchronises its threads for each
# one, which for a small product costs more than the product itself. The rule
# gives a step's products as many threads as get at least THREAD_SHARE
# multiply-adds each of the step's largest product, and threads only batches
# of at least THREADS_MIN_BATCH rows (thinner products do not split well).
# Measured on a 2-core machine (AMD EPYC, OpenBLAS Haswell kernels, MNIST
# rows, layers [784, h, 10]). Every step on both threads, over one thread,
# in paired epochs (bench_threads.py --sections threads, column "ours all/1";
# float64 / float32):
#   batch 10:   h=30 1.09 / 1.15, h=100 2.34 / 1.45, h=300 0.98 / 0.99
#   batch 32:   h=30 1.45 / 0.93, h=100 0.86 / 1.45, h=300 0.78 / 1.04
#   batch 64:   h=30 0.72 / 1.02, h=100 0.91 / 0.79, h=300 0.90 / 1.13
#   batch 100:  0.78-0.82 at h=30, 100 and 300
#   batch 200+: 0.68-0.85
# so threads lose below 32 rows and are a coin toss at 32. Pairs of whole
# fits, default threads over one thread, under the earlier share of 2**20
# (bench_threads.py --sections pairs, medians of 10 and of 20 pairs, float64 /
# float32) then sorted the products by size:
#   2.35M-7.8M multiply-adds ([784, 30, 10] at 100 rows, [784, 100, 10] at
#   64 and 100): 0.84-1.15 / 0.84-1.08, no gain and some losses;
#   15M and more ([784, 300, 10] from 64 rows, every width at 1000 rows):
#   0.71-0.93 / 0.72-1.03, a gain or a draw in every pair run.
# Hence 2**22 multiply-adds a thread: two threads from 8.4M up. The pairs of
# identical one-thread code came out between 0.92 and 1.06 (medians of 20),
# which bounds what one figure says. On a machine with more cores the rule
# keeps each thread's share of the largest product at 2**22 or more: a
# product of 32M multiply-adds gets 8 threads on a 16-core machine, not 16
# (OpenBLAS by itself would use every thread down to 2**18 multiply-adds
# each). That scaling is a model: it was measured only on 2 cores.
# bench_threads.py --sections pairs measures it on any machine.
THREAD_SHARE = 2**22
THREADS_MIN_BATCH = 64


class _Policy:
    """The thread rule in force: :data:`THREAD_SHARE` and :data:`THREADS_MIN_BATCH`,
    unless :func:`thread_policy` sets them aside."""

    share = THREAD_SHARE
    min_batch = THREADS_MIN_BATCH


_policy = _Policy()


@contextlib.contextmanager
def thread_policy(share=None, min_batch=None):
    """Set the thread rule aside inside a ``with`` block (for benchmarks).

    ``thread_policy(share=1, min_batch=1)`` gives every step all of BLAS's
    threads, which is how ``benchmarks/bench_threads.py`` measures what the
    rule saves. Not thread-safe: the rule is the process's.
    """
    saved = _policy.share, _policy.min_batch
    if share is not None:
        _policy.share = share
    if min_batch is not None:
        _policy.min_batch = min_batch
    try:
        yield
    finally:
        _policy.share, _policy.min_batch = saved


# Below these sizes no thread limit is set at all: OpenBLAS (the BLAS of
# numpy's and scipy's wheels) runs a gemm of at most 65536 *
# GEMM_MULTITHREAD_THRESHOLD (4 by default) = 2**18 multiply-adds, and a gemv
# of at most 2304 * 4 = 9216 entries, on the calling thread by itself
# (interface/gemm.c, interface/gemv.c), so limiting them would only add the
# cost of setting and restoring the thread count (about 10 microseconds a
# call, a tenth of a small partial_fit step). A step's gemvs are the bias
# gradients, batch x n_l entries.
NO_LIMIT_BELOW = 2**18
NO_LIMIT_GEMV_BELOW = 9216

_blas_libraries = None
_NO_LIMIT = nullcontext()  # reusable: entering it does nothing


def _blas_controllers():
    """threadpoolctl's controllers of the loaded BLAS libraries, found once."""
    global _blas_libraries
    if _blas_libraries is None:  # inspecting the loaded libraries: ~0.1 ms
        controller = ThreadpoolController().select(user_api="blas")
        _blas_libraries = list(controller.lib_controllers)
    return _blas_libraries


def _largest_product(batch_size, layer_sizes):
    """Multiply-adds of a step's largest matrix product."""
    # a plain loop: called on every partial_fit step, where zip() and a
    # generator cost more than the arithmetic
    largest = 0
    n_in = layer_sizes[0]
    for n_out in layer_sizes[1:]:
        if n_in * n_out > largest:
            largest = n_in * n_out
        n_in = n_out
    return batch_size * largest


def _small_for_blas(batch_size, layer_sizes):
    """Whether BLAS keeps every product of a step on one thread by itself."""
    return _largest_product(batch_size, layer_sizes) < NO_LIMIT_BELOW and (
        batch_size * max(layer_sizes[1:]) < NO_LIMIT_GEMV_BELOW
    )


def _available_threads():
    """The most threads a loaded BLAS library is set to now."""
    return max((lib.get_num_threads() for lib in _blas_controllers()), default=1)


def step_threads(batch_size, layer_sizes, available=None):
    """The BLAS threads a step's products get: 1 where threads do not pay.

    At most ``available``, the threads BLAS is set to now (read if None, so
    a ``threadpool_limits`` around the call is honoured), and at most one per
    :data:`THREAD_SHARE` multiply-adds of the largest product; one below
    :data:`THREADS_MIN_BATCH` rows.
    """
    if batch_size < _policy.min_batch:
        return 1
    share = _largest_product(batch_size, layer_sizes) // _policy.share
    if share < 2:
        return 1
    if available is None:
        available = _available_threads()
    return max(1, min(available, share))


def single_threaded(batch_size, layer_sizes):
    """Whether a step's products run on one BLAS thread (see :func:`step_threads`)."""
    return step_threads(batch_size, layer_sizes) == 1


class _BlasThreads:
    """Hold the BLAS libraries to at most ``n`` threads inside a ``with`` block.

    threadpoolctl's own ``limit`` inspects and wraps every library on each
    entry, about 20 microseconds: more than a whole ``partial_fit`` step on a
    small batch should cost. This finds the libraries once (as the
    controller it replaces did) and, on each entry, sets only those that run
    more than ``n`` threads, restoring them on exit.
    """

    __slots__ = ("n", "_restore")

    def __init__(self, n=1):
        self.n = n

    def __enter__(self):
        restore = []
        for lib in _blas_controllers():
            k = lib.get_num_threads()
            if k > self.n:
                lib.set_num_threads(self.n)
                restore.append((lib, k))
        self._restore = restore
        return self

    def __exit__(self, *exc):
        for lib, k in self._restore:
            lib.set_num_threads(k)


def blas_threads_limit(batch_size, layer_sizes):
    """A context that gives BLAS the threads of :func:`step_threads`.

    Where every product is small enough for BLAS to keep to one thread by
    itself (:data:`NO_LIMIT_BELOW`, :data:`NO_LIMIT_GEMV_BELOW`), and where
    the rule's threads are all that BLAS has, the context changes nothing.
    """
    if _small_for_blas(batch_size, layer_sizes):
        return _NO_LIMIT
    available = _available_threads()
    n = step_threads(batch_size, layer_sizes, available)
    return _NO_LIMIT if n >= available else _BlasThreads(n)


# OpenBLAS kernels with which the transposed first-layer product pays. With
# the SkylakeX kernels (an Intel AVX-512 machine) the transposed product,
# timed on its own, was 25-30% faster in float64 from 100 rows up (4-9% of an
# epoch), slower in float32 and no faster below ~64 rows. With the Haswell
# kernels (an AMD EPYC machine) it made float64 epochs slower, by 9-38% at
# batches of 100 and 1000 rows. Elsewhere the product is computed as written.
TRANSPOSED_FIRST_PRODUCT_KERNELS = frozenset({"SkylakeX"})

_transposed_pays = None


def transposed_first_product_pays():
    """Whether numpy's BLAS is one whose kernels gain from the transposed product.

    Decided once per process from ``threadpoolctl``'s report of the loaded
    BLAS, so that the same machine always computes the same arithmetic.
    """
    global _transposed_pays
    if _transposed_pays is None:
        info = ThreadpoolController().select(user_api="blas").info()
        _transposed_pays = any(
            lib.get("internal_api") == "openblas"
            and lib.get("architecture") in TRANSPOSED_FIRST_PRODUCT_KERNELS
            for lib in info
        )
    return _transposed_pays
