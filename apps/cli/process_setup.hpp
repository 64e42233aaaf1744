// Process set-up that `rubrika`'s main() runs first: the fast BLAS path and thread count.
//
// Only an app's main() may do this: it may re-execute the process, which library code
// must never do behind its caller's back. What to restart with is decided by the pure
// plan_environment() in rubrika_core (rubrika/runtime.hpp), unit-tested there.
#pragma once

#include <rubrika/runtime.hpp>

namespace rubrika::cli {

// May re-execute the process once (execv) with
//   OPENBLAS_CORETYPE=<right core>  when OpenBLAS chose a generic core (always), and
//   OMP_WAIT_POLICY=PASSIVE         for `compute` work, or when restarting anyway: libtorch's
//                                   OpenMP threads otherwise spin while OpenBLAS's pthreads
//                                   need the cores (measured: tiny-BERT fine-tuning +20-35%
//                                   on 2 cores; big GEMM-bound models unchanged), and
//   LD_LIBRARY_PATH=<openblas-openmp>  for `compute` work when OpenBLAS's OpenMP build is
//                                   installed beside the pthread one libtorch loaded: one
//                                   thread pool instead of two (see plan_environment()).
// A variable the user set is respected (doctor reports a slow one). Sets libtorch's
// intra-op threads to usable_cores() unless RUBRIKA_NUM_THREADS names a number, and
// flushes denormal floats to zero.
void prepare_process(char** argv, Workload workload);

}  // namespace rubrika::cli
