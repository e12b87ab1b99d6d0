package main

import (
	"slices"
	"strings"
	"testing"
)

func TestEvalUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"eval", "--data", "x", "--out", "o"}, "no --run"},
		{[]string{"eval", "--run", "r", "--out", "o"}, "no --data"},
		{[]string{"eval", "--run", "r", "--data", "x"}, "no --out"},
		{[]string{"eval", "--run", "r", "--data", "x", "--out", "o", "--knn"}, "--knn needs --train"},
		{[]string{"eval", "--run", "r", "--data", "x", "--out", "o", "--severities", "5-1"}, "not a range"},
	} {
		code, _, errOut := supcon(t, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}

func TestParseSeveritiesAndCorruptions(t *testing.T) {
	for in, want := range map[string][]int{"1-5": {1, 2, 3, 4, 5}, "3": {3}, "1,3, 5": {1, 3, 5}, "2-2": {2}} {
		got, err := parseSeverities(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("parseSeverities(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if got, _ := parseCorruptions("all"); len(got) != 14 {
		t.Errorf("all: %d corruptions, want 14", len(got))
	}
	if got, _ := parseCorruptions("fog, snow"); !slices.Equal(got, []string{"fog", "snow"}) {
		t.Errorf("fog, snow: %v", got)
	}
}
