package cputime

import (
	"runtime"
	"testing"
)

// TestProcessGrows checks that spinning adds CPU time where it is measured.
func TestProcessGrows(t *testing.T) {
	before := Process()
	if before == 0 && runtime.GOOS != "windows" && runtime.GOOS != "plan9" && runtime.GOOS != "js" && runtime.GOOS != "wasip1" {
		t.Fatalf("Process() = 0 on %s: the process has used CPU time to get here", runtime.GOOS)
	}
	x := 0.0
	for i := 0; Process() == before && i < 1e9; i++ {
		x += float64(i)
	}
	if after := Process(); before > 0 && after <= before {
		t.Errorf("CPU time %v then %v after spinning (%g)", before, after, x)
	}
}
