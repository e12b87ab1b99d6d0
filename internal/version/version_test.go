package version

import "testing"

func TestOverrideWins(t *testing.T) {
	if got := compute(); got == "" {
		t.Fatalf("compute() is empty")
	}
	Override = "v9.9.9"
	defer func() { Override = "" }()
	if got := compute(); got != "v9.9.9" {
		t.Errorf("compute() with Override = %q", got)
	}
}
