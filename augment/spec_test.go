package augment

import (
	"strings"
	"testing"
)

func TestParseCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{"none", "none"},
		{"autoaugment", "autoaugment:imagenet"},
		{"autoaugment:imagenet", "autoaugment:imagenet"},
		{"autoaugment:v0", "autoaugment:v0"},
		{"autoaugment:cifar10,convention=tv", "autoaugment:cifar10,convention=tv"},
		{"autoaugment:svhn,convention=tf", "autoaugment:svhn"},
		{"randaugment", "randaugment:n=2,m=10"},
		{"randaugment:convention=tv", "randaugment:n=2,m=9,convention=tv"},
		{"randaugment:m=9,n=2,convention=tv", "randaugment:n=2,m=9,convention=tv"},
		{"randaugment:n=3,m=5.5", "randaugment:n=3,m=5.5"},
		{"randaugment:pixels=abs", "randaugment:n=2,m=10,pixels=abs"},
		{"randaugment:pixels=rel,m=9", "randaugment:n=2,m=9"},
		{"randaugment:pixels=abs,convention=tf,n=1", "randaugment:n=1,m=10,pixels=abs"},
		{"autoaugment:pixels=abs", "autoaugment:imagenet,pixels=abs"},
		{"autoaugment:cifar10,pixels=abs", "autoaugment:cifar10,pixels=abs"},
		{"autoaugment:svhn,pixels=rel,convention=tf", "autoaugment:svhn"},
		{"autoaugment:svhn,convention=tv,pixels=rel", "autoaugment:svhn,convention=tv"},
		{"stacked-randaugment:pixels=abs", "stacked-randaugment:pixels=abs"},
		{"stacked-randaugment:pixels=abs,m=9", "stacked-randaugment:m=9,pixels=abs"},
		{"trivialaugment", "trivialaugment"},
		{"trivialaugmentwide", "trivialaugment"},
		{"trivialaugment:convention=tv", "trivialaugment"},
		{"trivialaugment:pixels=abs", "trivialaugment:pixels=abs"},
		{"trivialaugment:pixels=rel,convention=tv", "trivialaugment"},
		{"simaugment", "simaugment:strength=0.5,blur=0.5"},
		{"simaugment:strength=0.5,blur=0.5", "simaugment:strength=0.5,blur=0.5"},
		{"simaugment:blur=0,strength=1,warp=0.25", "simaugment:strength=1,blur=0,warp=0.25"},
		{"stacked-randaugment", "stacked-randaugment"},
		{"stacked-randaugment:m=9,blur=0", "stacked-randaugment:m=9,blur=0"},
		{"ops:rotate=30,posterize=4", "ops:rotate=30,posterize=4"},
		{"ops:rotate=30.0,equalize,fill=0", "ops:rotate=30,equalize,fill=0"},
		{"ops:fill=128,invert", "ops:invert"},
		{"ops:shearx=-0.3,translatey=1e2,cutout=20,hue=0.1,blur=1.5,warp=5,solarizeadd=30",
			"ops:shearx=-0.3,translatey=100,cutout=20,hue=0.1,blur=1.5,warp=5,solarizeadd=30"},
	}
	for _, tt := range tests {
		p, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := p.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
		q, err := Parse(p.String())
		if err != nil || q.String() != p.String() {
			t.Errorf("canonical %q does not read back: %v, %v", p.String(), q, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "empty spec"},
		{"autoaugmnet", `unknown policy "autoaugmnet"`},
		{"autoaugment:imagenett", `unknown autoaugment policy "imagenett"`},
		{"autoaugment:v0,convention=tv", "only in the tf convention"},
		{"autoaugment:imagenet,convention=pt", "neither tf nor tv"},
		{"randaugment:n=2,m=11", "parameter m: 11 out of range [0, 10] (tf magnitudes are levels 0..10)"},
		{"randaugment:n=2,m=9.5,convention=tv", `parameter m: "9.5" is not an integer`},
		{"randaugment:n=x", `parameter n: "x" is not an integer`},
		{"randaugment:n=2,n=3", "parameter n given twice"},
		{"randaugment:k=2", `unknown parameter "k" (parameters are n, m, convention, pixels)`},
		{"randaugment:pixels=px", `parameter pixels: "px" is neither rel nor abs`},
		{"randaugment:convention=tv,pixels=abs", "parameter pixels: abs exists only in the tf convention"},
		{"autoaugment:cifar10,convention=tv,pixels=abs", "abs exists only in the tf convention"},
		{"autoaugment:cifar10,pixels", "parameter pixels needs a value"},
		{"stacked-randaugment:pixels=", "parameter pixels needs a value"},
		{"simaugment:pixels=abs", `unknown parameter "pixels"`},
		{"randaugment:n", "parameter n needs a value"},
		{"randaugment:", `nothing after "randaugment:"`},
		{"randaugment:n=2,", "empty parameter"},
		{"simaugment:blur=1.5", "parameter blur: 1.5 out of range [0, 1]"},
		{"simaugment:strength=NaN", "is not a number"},
		{"none:x=1", "none takes no parameters"},
		{"trivialaugment:n=1", `unknown parameter "n" (parameters are convention, pixels) (trivialaugment is torchvision's`},
		{"trivialaugment:convention=tf", "trivialaugment exists only in the tv convention"},
		{"trivialaugment:pixels=none", `parameter pixels: "none" is neither rel nor abs`},
		{"ops", "ops needs a list of ops"},
		{"ops:fill=3", "ops needs at least one op"},
		{"ops:rotat=30", `unknown op "rotat"`},
		{"ops:rotate", "op rotate needs an argument: rotate=<degrees counter-clockwise>"},
		{"ops:equalize=3", "op equalize takes no argument"},
		{"ops:posterize=4.5", `op posterize: "4.5" is not an integer`},
		{"ops:posterize=9", "op posterize: 9 out of range [0, 8]"},
		{"ops:fill=300,invert", "not a grey level"},
		{"ops:=3", "has no name"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		if err == nil {
			t.Errorf("Parse(%q) succeeded, want error containing %q", tt.in, tt.want)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), `policy "`+tt.in+`"`) {
			t.Errorf("Parse(%q) = %q, want it to name the spec and contain %q", tt.in, err, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"none", "autoaugment:imagenet", "randaugment:n=2,m=9,convention=tv",
		"simaugment:strength=0.5,blur=0.5", "stacked-randaugment", "ops:rotate=30,posterize=4", "ops:fill=0,cutout=3",
		"autoaugment:cifar10,pixels=abs", "randaugment:m=7,pixels=rel", "stacked-randaugment:pixels=abs",
		"corrupt:fog,severity=3", "corrupt:jpeg_compression,severity=05"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "policy ") {
				t.Fatalf("error %q does not name the policy", err)
			}
			return
		}
		c := p.String()
		q, err := Parse(c)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", c, s, err)
		}
		if q.String() != c {
			t.Fatalf("canonical form not stable: %q -> %q", c, q.String())
		}
		// every parsed policy can draw ops for a tiny image
		p.Ops(NewRand(1, s, 0, 0), 3, 2)
	})
}
