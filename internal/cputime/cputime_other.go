//go:build !unix

package cputime

import "time"

// Process returns 0: the process's CPU time is not measured on this
// platform; callers then report wall-clock figures only.
func Process() time.Duration { return 0 }
