//go:build !unix

package main

import "time"

// lossCPUTime returns 0 where the process's CPU time is not available.
func lossCPUTime() time.Duration { return 0 }
