// Package cputime reports the CPU time the process has used, for benchmarks
// and bench commands that give work per CPU-second: on a shared machine the
// wall clock also counts the time other processes held the cores, CPU time
// does not.
package cputime
