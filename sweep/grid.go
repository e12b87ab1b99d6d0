package sweep

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/supcon/supcon/loss"
	"github.com/supcon/supcon/trainer"
)

// Axis is one setting of a grid and the values it takes, in the order given.
type Axis struct {
	Key    string   `json:"key"`
	Values []string `json:"values"`
}

// Grid is the settings a sweep varies: every combination of one value per
// axis is a point. Its text form is "key=v1,v2;key=v1,..." (String).
type Grid []Axis

// Setting is one key set to one value.
type Setting struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Point is one combination of a grid's values, named for its folder.
type Point struct {
	// Index is the point's place in Grid.Points, from 0.
	Index int `json:"index"`
	// Name is "NNN_key-value_key-value", unique in the grid and safe as a
	// folder name.
	Name     string    `json:"name"`
	Settings []Setting `json:"settings"`
}

// Value returns the point's value of key, or "" when the grid has no such axis.
func (p Point) Value(key string) string {
	for _, s := range p.Settings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}

// field sets one trainer.Config field from a value's text.
type field func(c *trainer.Config, v string) error

func intField(set func(c *trainer.Config, v int)) field {
	return func(c *trainer.Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%q is not an integer", v)
		}
		set(c, n)
		return nil
	}
}

func floatField(set func(c *trainer.Config, v float64)) field {
	return func(c *trainer.Config, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", v)
		}
		set(c, f)
		return nil
	}
}

// fields maps a grid key to the trainer.Config field it sets. The keys are
// the names of `supcon train`'s flags for the same settings.
var fields = map[string]field{
	"loss": func(c *trainer.Config, v string) error {
		k, err := loss.ParseKind(v)
		c.Loss = k
		return err
	},
	"model":            func(c *trainer.Config, v string) error { c.Model = v; return nil },
	"optimizer":        func(c *trainer.Config, v string) error { c.Optimizer = v; return nil },
	"lr":               floatField(func(c *trainer.Config, v float64) { c.LR = v }),
	"momentum":         floatField(func(c *trainer.Config, v float64) { c.Momentum = v }),
	"weight-decay":     floatField(func(c *trainer.Config, v float64) { c.WeightDecay = v }),
	"temperature":      floatField(func(c *trainer.Config, v float64) { c.Temperature = v }),
	"base-temperature": floatField(func(c *trainer.Config, v float64) { c.BaseTemperature = v }),
	"warmup":           floatField(func(c *trainer.Config, v float64) { c.WarmupFraction = v }),
	"p":                intField(func(c *trainer.Config, v int) { c.P = v }),
	"k":                intField(func(c *trainer.Config, v int) { c.K = v }),
	"views":            intField(func(c *trainer.Config, v int) { c.Views = v }),
	"epochs":           intField(func(c *trainer.Config, v int) { c.Epochs = v }),
	"projection-dim":   intField(func(c *trainer.Config, v int) { c.ProjectionDim = v }),
	// batch-images fixes P·K, the images of a batch: Apply sets P to it
	// divided by K once the other settings are applied, so that a sweep of
	// k keeps the batch (the paper's positives table).
	BatchImages: intField(func(c *trainer.Config, v int) {}),
	"seed": func(c *trainer.Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not an integer", v)
		}
		c.Seed = n
		return nil
	},
}

// Keys returns the settings a grid may vary, sorted.
func Keys() []string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ParseGrid parses "key=v1,v2;key=v1,...": keys from Keys(), each at most
// once, values not empty, not repeated and made of letters, digits and
// ".+-_". Each value must have its setting's type (a number for lr, an
// integer for k, a loss name for loss); whether it is a value the trainer
// accepts (a positive temperature, a known optimiser) is the trainer's to
// say, when the point is trained.
func ParseGrid(s string) (Grid, error) {
	var g Grid
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		key, vals, ok := strings.Cut(part, "=")
		key = strings.TrimSpace(key)
		if !ok {
			return nil, fmt.Errorf("sweep: grid %q: %q has no '=' (want key=v1,v2)", s, part)
		}
		set, known := fields[key]
		if !known {
			return nil, fmt.Errorf("sweep: grid key %q: not a setting a sweep varies (%s)", key, strings.Join(Keys(), ", "))
		}
		if slices.ContainsFunc(g, func(a Axis) bool { return a.Key == key }) {
			return nil, fmt.Errorf("sweep: grid key %q: given twice", key)
		}
		a := Axis{Key: key}
		for _, v := range strings.Split(vals, ",") {
			v = strings.TrimSpace(v)
			if err := checkValue(v); err != nil {
				return nil, fmt.Errorf("sweep: grid key %q: value %q: %w", key, v, err)
			}
			if slices.Contains(a.Values, v) {
				return nil, fmt.Errorf("sweep: grid key %q: value %q given twice", key, v)
			}
			var c trainer.Config
			if err := set(&c, v); err != nil {
				return nil, fmt.Errorf("sweep: grid key %q: %w", key, err)
			}
			a.Values = append(a.Values, v)
		}
		g = append(g, a)
	}
	if len(g) == 0 {
		return nil, fmt.Errorf("sweep: grid %q: no settings (want key=v1,v2;key=...)", s)
	}
	return g, nil
}

// checkValue reports whether v may be a grid value (and part of a folder name).
func checkValue(v string) error {
	if v == "" {
		return fmt.Errorf("empty")
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".+-_", r)) {
			return fmt.Errorf("%q is not allowed (letters, digits and .+-_ only)", r)
		}
	}
	return nil
}

// String returns the grid in the form ParseGrid reads.
func (g Grid) String() string {
	parts := make([]string, len(g))
	for i, a := range g {
		parts[i] = a.Key + "=" + strings.Join(a.Values, ",")
	}
	return strings.Join(parts, ";")
}

// Points returns every combination of the grid's values, the first axis
// varying slowest.
func (g Grid) Points() []Point {
	n := 1
	for _, a := range g {
		n *= len(a.Values)
	}
	pts := make([]Point, n)
	for i := range pts {
		p := Point{Index: i, Settings: make([]Setting, len(g))}
		rest := i
		for j := len(g) - 1; j >= 0; j-- {
			a := g[j]
			p.Settings[j] = Setting{Key: a.Key, Value: a.Values[rest%len(a.Values)]}
			rest /= len(a.Values)
		}
		var name strings.Builder
		fmt.Fprintf(&name, "%03d", i)
		for _, s := range p.Settings {
			name.WriteString("_" + s.Key + "-" + s.Value)
		}
		p.Name = name.String()
		pts[i] = p
	}
	return pts
}

// BatchImages is the grid key that fixes P·K, the images of a batch, and
// leaves P to follow K.
const BatchImages = "batch-images"

// Apply sets the point's settings on c; with batch-images, P is set last,
// to batch-images / K, which must divide evenly.
func (p Point) Apply(c *trainer.Config) error {
	for _, s := range p.Settings {
		set, ok := fields[s.Key]
		if !ok {
			return fmt.Errorf("sweep: point %s: unknown setting %q", p.Name, s.Key)
		}
		if err := set(c, s.Value); err != nil {
			return fmt.Errorf("sweep: point %s: setting %s: %w", p.Name, s.Key, err)
		}
	}
	if v := p.Value(BatchImages); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil:
			return fmt.Errorf("sweep: point %s: setting %s: %q is not an integer", p.Name, BatchImages, v)
		case c.K < 1 || n < c.K || n%c.K != 0:
			return fmt.Errorf("sweep: point %s: %s %d is not a multiple of K %d: no whole number of classes P per batch", p.Name, BatchImages, n, c.K)
		}
		c.P = n / c.K
	}
	return nil
}
