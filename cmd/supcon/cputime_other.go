//go:build !unix

package main

import "time"

// processCPUTime returns 0 where the process's CPU time is not available;
// the bench commands then report wall-clock figures only.
func processCPUTime() time.Duration { return 0 }
