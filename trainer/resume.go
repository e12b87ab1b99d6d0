package trainer

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/supcon/supcon/trainer/run"
)

// runFile is config.json: the settings and what was found in the data.
type runFile = run.Record[Config]

// sameRun checks that a resumed run has the settings of the one it
// continues, naming the first that differs.
func sameRun(ctx context.Context, rd run.Dir, rf *runFile) error {
	was := new(runFile)
	if err := rd.ReadJSON(ctx, run.ConfigFile, was); err != nil {
		return fmt.Errorf("resume: %w", err)
	}
	// Settings that do not change the results may change, and so may how
	// the run is driven (StopAfter, Resume, FollowPoll: not in the file).
	was.Config.CheckpointEvery = rf.Config.CheckpointEvery
	was.Config.KeepCheckpoints = rf.Config.KeepCheckpoints
	was.Config.StopAfter, was.Config.Resume = rf.Config.StopAfter, rf.Config.Resume
	was.Config.FollowPoll = rf.Config.FollowPoll
	now := *rf
	now.Config.Monitor = nil // what is measured after epochs may change too
	if name, a, b, ok := firstDifference(reflect.ValueOf(*was), reflect.ValueOf(now)); ok {
		return fmt.Errorf("resume: the %s was %v, now %v (%s); resume with the run's settings and data",
			name, a, b, rd.Path(run.ConfigFile))
	}
	return nil
}

// firstDifference returns the JSON name and the two values of the first
// field in which the structs a and b differ, looking inside the run's
// Config and the structs it embeds.
func firstDifference(a, b reflect.Value) (name string, va, vb any, ok bool) {
	for i := 0; i < a.NumField(); i++ {
		fa, fb := a.Field(i), b.Field(i)
		if reflect.DeepEqual(fa.Interface(), fb.Interface()) {
			continue
		}
		f := a.Type().Field(i)
		if f.Name == "Config" || f.Anonymous {
			if name, va, vb, ok := firstDifference(fa, fb); ok {
				return name, va, vb, ok
			}
		}
		return jsonName(f), fa.Interface(), fb.Interface(), true
	}
	return "", nil, nil, false
}

func jsonName(f reflect.StructField) string {
	if n, _, _ := strings.Cut(f.Tag.Get("json"), ","); n != "" && n != "-" {
		return n
	}
	return f.Name
}
