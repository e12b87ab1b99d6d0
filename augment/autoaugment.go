package augment

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// A step is one op of an AutoAugment sub-policy: applied with probability
// prob at level (TF) or magnitude bin (TV).
type step struct {
	op    string
	prob  float64
	level int
}

// autoAugmentTables are the AutoAugment policies (docs/policies.md,
// "Policies"), each a list of sub-policies of two steps, written
// "Op prob level, Op prob level" with sub-policies separated by ";".
var autoAugmentTables = map[string]string{
	"imagenet": `Posterize .4 8, Rotate .6 9; Solarize .6 5, AutoContrast .6 5; Equalize .8 8, Equalize .6 3;
Posterize .6 7, Posterize .6 6; Equalize .4 7, Solarize .2 4; Equalize .4 4, Rotate .8 8;
Solarize .6 3, Equalize .6 7; Posterize .8 5, Equalize 1.0 2; Rotate .2 3, Solarize .6 8;
Equalize .6 8, Posterize .4 6; Rotate .8 8, Color .4 0; Rotate .4 9, Equalize .6 2;
Equalize .0 7, Equalize .8 8; Invert .6 4, Equalize 1.0 8; Color .6 4, Contrast 1.0 8;
Rotate .8 8, Color 1.0 2; Color .8 8, Solarize .8 7; Sharpness .4 7, Invert .6 8;
ShearX .6 5, Equalize 1.0 9; Color .4 0, Equalize .6 3; Equalize .4 7, Solarize .2 4;
Solarize .6 5, AutoContrast .6 5; Invert .6 4, Equalize 1.0 8; Color .6 4, Contrast 1.0 8;
Equalize .8 8, Equalize .6 3`,
	"v0": `Equalize .8 1, ShearY .8 4; Color .4 9, Equalize .6 3; Color .4 1, Rotate .6 8;
Solarize .8 3, Equalize .4 7; Solarize .4 2, Solarize .6 2; Color .2 0, Equalize .8 8;
Equalize .4 8, SolarizeAdd .8 3; ShearX .2 9, Rotate .6 8; Color .6 1, Equalize 1.0 2;
Invert .4 9, Rotate .6 0; Equalize 1.0 9, ShearY .6 3; Color .4 7, Equalize .6 0;
Posterize .4 6, AutoContrast .4 7; Solarize .6 8, Color .6 9; Solarize .2 4, Rotate .8 9;
Rotate 1.0 7, TranslateY .8 9; ShearX .0 0, Solarize .8 4; ShearY .8 0, Color .6 4;
Color 1.0 0, Rotate .6 2; Equalize .8 4, Equalize .0 8; Equalize 1.0 4, AutoContrast .6 2;
ShearY .4 7, SolarizeAdd .6 7; Posterize .8 2, Solarize .6 10; Solarize .6 8, Equalize .6 1;
Color .8 6, Rotate .4 5`,
	"cifar10": `Invert .1 7, Contrast .2 6; Rotate .7 2, TranslateX .3 9; Sharpness .8 1, Sharpness .9 3;
ShearY .5 8, TranslateY .7 9; AutoContrast .5 8, Equalize .9 2; ShearY .2 7, Posterize .3 7;
Color .4 3, Brightness .6 7; Sharpness .3 9, Brightness .7 9; Equalize .6 5, Equalize .5 1;
Contrast .6 7, Sharpness .6 5; Color .7 7, TranslateX .5 8; Equalize .3 7, AutoContrast .4 8;
TranslateY .4 3, Sharpness .2 6; Brightness .9 6, Color .2 8; Solarize .5 2, Invert .0 3;
Equalize .2 0, AutoContrast .6 0; Equalize .2 8, Equalize .6 4; Color .9 9, Equalize .6 6;
AutoContrast .8 4, Solarize .2 8; Brightness .1 3, Color .7 0; Solarize .4 5, AutoContrast .9 3;
TranslateY .9 9, TranslateY .7 9; AutoContrast .9 2, Solarize .8 3; Equalize .8 8, Invert .1 3;
TranslateY .7 9, AutoContrast .9 1`,
	"svhn": `ShearX .9 4, Invert .2 3; ShearY .9 8, Invert .7 5; Equalize .6 5, Solarize .6 6;
Invert .9 3, Equalize .6 3; Equalize .6 1, Rotate .9 3; ShearX .9 4, AutoContrast .8 3;
ShearY .9 8, Invert .4 5; ShearY .9 5, Solarize .2 6; Invert .9 6, AutoContrast .8 1;
Equalize .6 3, Rotate .9 3; ShearX .9 4, Solarize .3 3; ShearY .8 8, Invert .7 4;
Equalize .9 5, TranslateY .6 6; Invert .9 4, Equalize .6 7; Contrast .3 3, Rotate .8 4;
Invert .8 5, TranslateY .0 2; ShearY .7 6, Solarize .4 8; Invert .6 4, Rotate .8 4;
ShearY .3 7, TranslateX .9 3; ShearX .1 6, Invert .6 5; Solarize .7 2, TranslateY .6 7;
ShearY .8 4, Invert .8 8; ShearX .7 9, TranslateY .8 3; ShearY .8 5, AutoContrast .7 3;
ShearX .7 2, Invert .1 5`,
}

// autoAugmentNames lists the AutoAugment policies in the order help shows them.
var autoAugmentNames = []string{"imagenet", "v0", "cifar10", "svhn"}

// parsedTables holds autoAugmentTables parsed once.
var parsedTables = func() map[string][][]step {
	m := map[string][][]step{}
	for name, text := range autoAugmentTables {
		t, err := parseTable(text)
		if err != nil {
			panic(fmt.Sprintf("augment: autoaugment table %s: %v", name, err))
		}
		m[name] = t
	}
	return m
}()

// parseTable reads a table in the format of autoAugmentTables.
func parseTable(text string) ([][]step, error) {
	var t [][]step
	for _, sub := range strings.Split(text, ";") {
		var steps []step
		for _, s := range strings.Split(sub, ",") {
			f := strings.Fields(s)
			if len(f) != 3 {
				return nil, fmt.Errorf("step %q: want \"Op prob level\"", s)
			}
			p, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				return nil, fmt.Errorf("step %q: %v", s, err)
			}
			l, err := strconv.Atoi(f[2])
			if err != nil {
				return nil, fmt.Errorf("step %q: %v", s, err)
			}
			steps = append(steps, step{op: f[0], prob: p, level: l})
		}
		t = append(t, steps)
	}
	return t, nil
}

// autoAugment picks one sub-policy uniformly and applies each of its steps
// with its probability (TF's and torchvision's AutoAugment).
type autoAugment struct {
	name string
	conv Convention
	// abs keeps TF's pixel constants absolute at every view size (tf only).
	abs bool
}

func (p autoAugment) String() string {
	s := "autoaugment:" + p.name
	if p.conv == TV {
		s += ",convention=tv"
	}
	if p.abs {
		s += ",pixels=abs"
	}
	return s
}

// pixels returns how the policy's translations and cutouts follow the view
// size in the tf convention: the ImageNet policies (imagenet, v0) are TF's
// constants at 224 px, the CIFAR-10 and SVHN policies the original CIFAR
// code's at 32 px; with pixels=abs, TF's constants in absolute pixels.
func (p autoAugment) pixels() pixelScale {
	switch {
	case p.abs:
		return tfAutoAugmentPixels.absolute()
	case p.name == "cifar10" || p.name == "svhn":
		return cifarAutoAugmentPixels
	}
	return tfAutoAugmentPixels
}

func (p autoAugment) Convention() Convention { return p.conv }

func (p autoAugment) Ops(r *rand.Rand, w, h int) []Op {
	table := parsedTables[p.name]
	sub := table[r.IntN(len(table))]
	var ops []Op
	k := p.pixels()
	for _, s := range sub {
		if !coin(r, s.prob) {
			continue
		}
		var op Op
		var err error
		if p.conv == TV {
			op, err = tvOp(s.op, s.level, tvSpace{bins: 10}, r, w, h)
		} else {
			op, err = tfOp(s.op, float64(s.level), k, r, w, h)
		}
		if err != nil {
			panic(err) // the tables and the parser's checks guarantee this never happens
		}
		ops = append(ops, op)
	}
	return ops
}
