package optim_test

import (
	"bytes"
	"fmt"

	"github.com/supcon/supcon/trainer/optim"
)

// Minimise ½‖w − 1‖² with the CLI default: SGD, momentum 0.9, warm-up then
// cosine; checkpoint half-way and resume.
func Example() {
	w := &optim.Param{Name: "w", Value: []float32{3, -1}, Grad: make([]float32, 2), Kind: optim.Weight}
	b := &optim.Param{Name: "b", Value: []float32{0.5}, Grad: make([]float32, 1), Kind: optim.NoDecay}
	params := []*optim.Param{w, b}
	cfg, _ := optim.Defaults("sgd")
	opt, err := optim.New("sgd", cfg, params)
	if err != nil {
		panic(err)
	}
	const total = 100
	sched := optim.DefaultSchedule(optim.ScaleLR(0.5, 512, 1024), total)
	if err := sched.Validate(); err != nil {
		panic(err)
	}
	var ckpt bytes.Buffer
	for step := opt.Steps(); step < total; step++ {
		for _, p := range params {
			for i, v := range p.Value {
				p.Grad[i] = v - 1
			}
		}
		if err := opt.Step(sched.LR(step)); err != nil {
			panic(err)
		}
		if step == total/2 {
			_ = opt.Save(&ckpt) // with the parameter values, in a real checkpoint
		}
	}
	fmt.Printf("lr: start %.4f, peak %.4f, middle %.4f, end %.4f\n",
		sched.LR(0), sched.LR(10), sched.LR(55), sched.LR(total))
	fmt.Printf("w = [%.2f %.2f], b = %.2f after %d steps\n", w.Value[0], w.Value[1], b.Value[0], opt.Steps())

	resumed, _ := optim.New("sgd", cfg, params)
	if err := resumed.Load(&ckpt); err != nil {
		panic(err)
	}
	fmt.Println("resume at step", resumed.Steps())
	// Output:
	// lr: start 0.0000, peak 0.2500, middle 0.1250, end 0.0000
	// w = [1.01 0.99], b = 1.00 after 100 steps
	// resume at step 51
}
