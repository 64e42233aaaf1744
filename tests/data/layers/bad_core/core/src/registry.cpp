// A core file that reaches up into the training layer: the layer check must refuse it.
#include <rubrika/error.hpp>
#include <rubrika/train/trainer.hpp>
