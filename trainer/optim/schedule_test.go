package optim

import (
	"math"
	"strings"
	"testing"
)

func TestScheduleLR(t *testing.T) {
	cos := Schedule{Peak: 1, WarmupSteps: 10, TotalSteps: 110, Decay: Cosine}
	start := cos
	start.WarmupStart = 0.1
	floor := cos
	floor.Floor = 0.1
	constant := Schedule{Peak: 2, WarmupSteps: 10, TotalSteps: 110, Decay: Constant}
	noWarm := Schedule{Peak: 1, TotalSteps: 100, Decay: Cosine}
	allWarm := Schedule{Peak: 1, WarmupSteps: 10, TotalSteps: 10, Floor: 0.2, Decay: Cosine}
	def := DefaultSchedule(0.5, 1000)
	tests := []struct {
		name string
		s    Schedule
		step int64
		want float64
	}{
		{"warm-up start", cos, 0, 0},
		{"warm-up middle", cos, 5, 0.5},
		{"warm-up last step", cos, 9, 0.9},
		{"warm-up end = peak", cos, 10, 1},
		{"cosine quarter", cos, 35, 0.5 * (1 + math.Cos(math.Pi/4))},
		{"cosine middle", cos, 60, 0.5},
		{"cosine last step", cos, 109, 0.5 * (1 + math.Cos(math.Pi*99/100))},
		{"cosine end", cos, 110, 0},
		{"after the end", cos, 500, 0},
		{"negative step", cos, -3, 0},
		{"warm-up from start", start, 0, 0.1},
		{"warm-up from start middle", start, 5, 0.55},
		{"floor middle", floor, 60, 0.55},
		{"floor end", floor, 110, 0.1},
		{"constant warm-up", constant, 5, 1},
		{"constant after warm-up", constant, 10, 2},
		{"constant long after", constant, 10000, 2},
		{"no warm-up starts at peak", noWarm, 0, 1},
		{"no warm-up middle", noWarm, 50, 0.5},
		{"all warm-up", allWarm, 9, 0.9},
		{"all warm-up then floor", allWarm, 10, 0.2},
		{"default: 10% warm-up", def, 50, 0.25},
		{"default: peak after warm-up", def, 100, 0.5},
		{"default: cosine middle", def, 550, 0.25},
		{"default: end", def, 1000, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.s.Validate(); err != nil {
				t.Fatal(err)
			}
			if got := tc.s.LR(tc.step); math.Abs(got-tc.want) > 1e-12 {
				t.Errorf("LR(%d) = %.15g, want %.15g", tc.step, got, tc.want)
			}
		})
	}
}

func TestSchedulePureAndMonotone(t *testing.T) {
	s := DefaultSchedule(0.5, 1000)
	// A resumed run asks for the same steps in isolation: same bits.
	forward := make([]float64, 1001)
	for i := range forward {
		forward[i] = s.LR(int64(i))
	}
	for i := len(forward) - 1; i >= 0; i-- {
		if got := (Schedule{Peak: 0.5, WarmupSteps: 100, TotalSteps: 1000}).LR(int64(i)); got != forward[i] {
			t.Fatalf("LR(%d) = %v on a fresh schedule, %v before", i, got, forward[i])
		}
	}
	for i := 1; i <= 100; i++ {
		if forward[i] <= forward[i-1] {
			t.Fatalf("warm-up not increasing at %d", i)
		}
	}
	for i := 101; i <= 1000; i++ {
		if forward[i] > forward[i-1] {
			t.Fatalf("cosine not decreasing at %d", i)
		}
	}
}

func TestScheduleValidate(t *testing.T) {
	good := Schedule{Peak: 1, WarmupSteps: 1, TotalSteps: 10}
	tests := []struct {
		name string
		mod  func(*Schedule)
		want string
	}{
		{"peak zero", func(s *Schedule) { s.Peak = 0 }, "Peak = 0"},
		{"peak NaN", func(s *Schedule) { s.Peak = math.NaN() }, "Peak = NaN"},
		{"warm-up start negative", func(s *Schedule) { s.WarmupStart = -1 }, "WarmupStart = -1"},
		{"total zero", func(s *Schedule) { s.TotalSteps = 0 }, "TotalSteps = 0"},
		{"warm-up too long", func(s *Schedule) { s.WarmupSteps = 11 }, "WarmupSteps = 11, want 0..TotalSteps (10)"},
		{"warm-up negative", func(s *Schedule) { s.WarmupSteps = -1 }, "WarmupSteps = -1"},
		{"floor above peak", func(s *Schedule) { s.Floor = 2 }, "Floor = 2"},
		{"unknown decay", func(s *Schedule) { s.Decay = 9 }, "Decay = 9"},
	}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid schedule: %v", err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := good
			tc.mod(&s)
			err := s.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestParseDecayAndScale(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Decay
		err  bool
	}{{"cosine", Cosine, false}, {" Constant", Constant, false}, {"step", 0, true}} {
		got, err := ParseDecay(tc.in)
		if (err != nil) != tc.err || (!tc.err && got != tc.want) {
			t.Errorf("ParseDecay(%q) = %v, %v", tc.in, got, err)
		}
		if tc.err && (err == nil || !strings.Contains(err.Error(), `"step"`)) {
			t.Errorf("ParseDecay error %v does not name the value", err)
		}
	}
	if got := ScaleLR(0.5, 256, 1024); got != 0.125 {
		t.Errorf("ScaleLR(0.5, 256, 1024) = %v, want 0.125", got)
	}
}
