// A shared library that is not a rubrika plugin (no descriptor symbol).
extern "C" __attribute__((visibility("default"))) int rubrika_test_not_a_plugin() { return 42; }
