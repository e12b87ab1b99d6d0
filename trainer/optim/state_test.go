package optim

import (
	"bytes"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
)

// model is a tiny deterministic "network": three parameters whose gradient
// is w − target plus a deterministic perturbation that depends on the step.
type model struct{ params []*Param }

func newModel() *model {
	m := &model{}
	for i, spec := range []struct {
		name string
		n    int
		kind Kind
	}{{"conv/w", 37, Weight}, {"conv/b", 5, NoDecay}, {"bn/gamma", 5, NoDecay}} {
		p := &Param{Name: spec.name, Value: make([]float32, spec.n), Grad: make([]float32, spec.n), Kind: spec.kind}
		for j := range p.Value {
			p.Value[j] = float32(math.Sin(float64(7*i+j+1))) * 0.5
		}
		m.params = append(m.params, p)
	}
	return m
}

func (m *model) grads(step int64) {
	for i, p := range m.params {
		for j := range p.Grad {
			noise := float32(math.Cos(float64(step*13+int64(i*31+j)))) * 0.1
			p.Grad[j] = p.Value[j] - 0.25 + noise
		}
	}
}

func (m *model) clone() *model {
	c := &model{}
	for _, p := range m.params {
		q := *p
		q.Value = append([]float32(nil), p.Value...)
		q.Grad = make([]float32, len(p.Grad))
		c.params = append(c.params, &q)
	}
	return c
}

func configs() map[string]Config {
	return map[string]Config{
		"sgd":              {Momentum: 0.9, WeightDecay: 1e-4},
		"nesterov":         {Momentum: 0.9, WeightDecay: 1e-4},
		"sgd-no-momentum":  {WeightDecay: 1e-4},
		"lars":             {Momentum: 0.9, WeightDecay: 1e-4, TrustCoef: 0.001},
		"rmsprop":          {Alpha: 0.9, Eps: 1e-6},
		"rmsprop-momentum": {Alpha: 0.9, Eps: 1e-6, Momentum: 0.9},
		"adam":             {Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 1e-4},
		"adamw":            {Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.05},
	}
}

func algoOf(key string) string { return strings.SplitN(key, "-", 2)[0] }

func TestStateRoundTripBitIdentical(t *testing.T) {
	const total, stop = 20, 7
	sched := DefaultSchedule(0.1, total)
	for key, cfg := range configs() {
		t.Run(key, func(t *testing.T) {
			// Never stopping.
			a := newModel()
			oa, err := New(algoOf(key), cfg, a.params)
			if err != nil {
				t.Fatal(err)
			}
			for s := int64(0); s < total; s++ {
				a.grads(s)
				if err := oa.Step(sched.LR(s)); err != nil {
					t.Fatal(err)
				}
			}
			// Stopping at `stop`, saving, and resuming in a new optimiser over
			// copies of the parameters.
			b := newModel()
			ob, _ := New(algoOf(key), cfg, b.params)
			for s := int64(0); s < stop; s++ {
				b.grads(s)
				if err := ob.Step(sched.LR(s)); err != nil {
					t.Fatal(err)
				}
			}
			var buf bytes.Buffer
			if err := ob.Save(&buf); err != nil {
				t.Fatal(err)
			}
			saved := append([]byte(nil), buf.Bytes()...)
			buf.WriteString("trailing data belongs to the caller")
			c := b.clone()
			oc, _ := New(algoOf(key), cfg, c.params)
			if err := oc.Load(&buf); err != nil {
				t.Fatal(err)
			}
			if rest := buf.String(); rest != "trailing data belongs to the caller" {
				t.Errorf("Load consumed past the state: %q left", rest)
			}
			if oc.Steps() != stop {
				t.Fatalf("Steps after Load = %d, want %d", oc.Steps(), stop)
			}
			var again bytes.Buffer
			if err := oc.Save(&again); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again.Bytes(), saved) {
				t.Error("Save after Load differs from the saved bytes")
			}
			for s := oc.Steps(); s < total; s++ {
				c.grads(s)
				if err := oc.Step(sched.LR(s)); err != nil {
					t.Fatal(err)
				}
			}
			for i, p := range a.params {
				for j, v := range p.Value {
					if math.Float32bits(v) != math.Float32bits(c.params[i].Value[j]) {
						t.Fatalf("%s[%d] = %v resumed, %v uninterrupted", p.Name, j, c.params[i].Value[j], v)
					}
				}
			}
		})
	}
}

func TestLoadAcceptsOtherParamOrder(t *testing.T) {
	m := newModel()
	o, _ := New("adam", configs()["adam"], m.params)
	m.grads(0)
	_ = o.Step(0.01)
	var buf bytes.Buffer
	if err := o.Save(&buf); err != nil {
		t.Fatal(err)
	}
	c := m.clone()
	rev := []*Param{c.params[2], c.params[0], c.params[1]}
	oc, _ := New("adam", configs()["adam"], rev)
	if err := oc.Load(&buf); err != nil {
		t.Fatal(err)
	}
	if got, want := oc.state[1].bufs[0][3], o.state[0].bufs[0][3]; got != want {
		t.Errorf("conv/w exp_avg[3] = %v after Load, want %v", got, want)
	}
}

func TestLoadErrors(t *testing.T) {
	src := newModel()
	o, _ := New("sgd", Config{Momentum: 0.9}, src.params)
	src.grads(0)
	_ = o.Step(0.1)
	var buf bytes.Buffer
	if err := o.Save(&buf); err != nil {
		t.Fatal(err)
	}
	state := buf.Bytes()

	rename := func(old, new string) func(*model) {
		return func(m *model) {
			for _, p := range m.params {
				if p.Name == old {
					p.Name = new
				}
			}
		}
	}
	flip := func(off int) []byte {
		b := append([]byte(nil), state...)
		b[off] ^= 0x40
		return b
	}
	tests := []struct {
		name  string
		algo  string
		cfg   Config
		mod   func(*model)
		state []byte
		want  string
	}{
		{"other algorithm", "adam", Config{Beta1: 0.9, Beta2: 0.999}, nil, state, `state is for optimiser "sgd", this one is "adam"`},
		{"other buffers", "sgd", Config{}, nil, state, "state has buffers [momentum], this sgd (momentum 0) needs []"},
		{"unknown param", "sgd", Config{Momentum: 0.9}, rename("conv/b", "fc/b"), state, `state has parameter "conv/b", which this optimiser does not`},
		{"param count", "sgd", Config{Momentum: 0.9}, func(m *model) { m.params = m.params[:2] }, state, "state has 3 parameters, this optimiser 2"},
		{"wrong length", "sgd", Config{Momentum: 0.9}, func(m *model) { m.params[0].Value = m.params[0].Value[:36]; m.params[0].Grad = nil }, state, `parameter "conv/w" has length 37 in the state, 36 here`},
		{"wrong kind", "sgd", Config{Momentum: 0.9}, func(m *model) { m.params[1].Kind = Weight }, state, `parameter "conv/b" has kind nodecay in the state, weight here`},
		{"bad magic", "sgd", Config{Momentum: 0.9}, nil, flip(0), "bad magic"},
		{"version", "sgd", Config{Momentum: 0.9}, nil, append(append([]byte(stateMagic), 2, 0, 0, 0), state[12:]...), "state version 2, this code reads version 1"},
		{"corrupt data", "sgd", Config{Momentum: 0.9}, nil, flip(len(state) - 20), "checksum"},
		{"empty", "sgd", Config{Momentum: 0.9}, nil, nil, "state truncated reading magic"},
		{"truncated in a buffer", "sgd", Config{Momentum: 0.9}, nil, state[:len(state)-10], `state truncated reading momentum buffer of "bn/gamma"`},
		{"truncated checksum", "sgd", Config{Momentum: 0.9}, nil, state[:len(state)-2], "state truncated reading checksum"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := src.clone()
			if tc.mod != nil {
				tc.mod(m)
			}
			o, err := New(tc.algo, tc.cfg, m.params)
			if err != nil {
				t.Fatal(err)
			}
			err = o.Load(bytes.NewReader(tc.state))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load error = %v, want one containing %q", err, tc.want)
			}
			if o.Steps() != 0 {
				t.Errorf("a failed Load changed the step count to %d", o.Steps())
			}
		})
	}
}

// Every truncation of a valid state fails with ErrUnexpectedEOF and leaves
// the optimiser untouched.
func TestLoadEveryTruncation(t *testing.T) {
	src := newModel()
	o, _ := New("rmsprop", Config{Alpha: 0.9, Momentum: 0.5}, src.params)
	src.grads(0)
	_ = o.Step(0.1)
	var buf bytes.Buffer
	_ = o.Save(&buf)
	state := buf.Bytes()
	for n := 0; n < len(state); n++ {
		dst, _ := New("rmsprop", Config{Alpha: 0.9, Momentum: 0.5}, src.clone().params)
		err := dst.Load(bytes.NewReader(state[:n]))
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("Load of %d/%d bytes: %v, want ErrUnexpectedEOF", n, len(state), err)
		}
		if dst.Steps() != 0 || dst.state[0].bufs[0][0] != 0 {
			t.Fatalf("Load of %d bytes changed the state", n)
		}
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n -= len(p); w.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestSaveWriteError(t *testing.T) {
	m := newModel()
	o, _ := New("sgd", Config{Momentum: 0.9}, m.params)
	if err := o.Save(&failWriter{n: 10}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Save to a failing writer: %v", err)
	}
}
