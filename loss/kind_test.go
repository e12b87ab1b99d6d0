package loss

import (
	"encoding/json"
	"testing"
)

// A Kind is stored as its name and read back from it.
func TestKindText(t *testing.T) {
	for _, k := range []Kind{SupConOut, SupConIn, SimCLR, NPairs, Triplet, CrossEntropy} {
		data, err := json.Marshal(k)
		if err != nil {
			t.Fatal(err)
		}
		if want := `"` + k.String() + `"`; string(data) != want {
			t.Errorf("%v marshals to %s, want %s", k, data, want)
		}
		var back Kind
		if err := json.Unmarshal(data, &back); err != nil || back != k {
			t.Errorf("%s reads back as %v, %v", data, back, err)
		}
	}
	var k Kind
	for _, bad := range []string{`"hinge"`, `""`} {
		if err := json.Unmarshal([]byte(bad), &k); err == nil {
			t.Errorf("%s was accepted", bad)
		}
	}
	if _, err := json.Marshal(Kind(42)); err == nil {
		t.Error("Kind(42) marshalled")
	}
}
