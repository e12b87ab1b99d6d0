// Package optim updates float32 parameters in place from their gradients:
// SGD (with momentum and Nesterov), LARS, RMSProp, Adam and AdamW, plus the
// warm-up + cosine learning-rate schedule. It knows nothing of the model
// framework: the training loop hands it plain []float32 slices.
//
// # Use
//
//	params := []*optim.Param{
//		{Name: "conv1/w", Value: w, Grad: gw, Kind: optim.Weight},
//		{Name: "bn1/gamma", Value: g, Grad: gg, Kind: optim.NoDecay},
//	}
//	cfg, _ := optim.Defaults("sgd")
//	opt, err := optim.New("sgd", cfg, params)
//	sched := optim.DefaultSchedule(optim.ScaleLR(0.5, batch, 1024), totalSteps)
//	for step := opt.Steps(); step < totalSteps; step++ {
//		// ... forward/backward fills the Grad slices ...
//		if err := opt.Step(sched.LR(step)); err != nil { ... }
//	}
//
// Weight decay applies only to [Weight] parameters; [NoDecay] parameters
// (biases, batch-norm gamma/beta) get none and are also excluded from LARS's
// trust-ratio adaptation, as in the SimCLR and SupCon TensorFlow code. (PyTorch's
// optimisers decay every parameter unless told otherwise: mark everything
// [Weight] to get that.)
//
// # What the paper used, and our default
//
// Khosla et al., "Supervised Contrastive Learning" (NeurIPS 2020), and its
// public code:
//
//	stage / data            optimiser               lr                       schedule              wd    other
//	pre-training, CIFAR     SGD, momentum 0.9       0.5 at batch 1024,       10 warm-up epochs,    1e-4  τ 0.1, 350 epochs,
//	                                                linear in batch          cosine                      2 views per image
//	pre-training, ImageNet  LARS (SimCLR's:         -                        cosine                -     τ 0.1, batch 6144,
//	                        μ 0.9, η 0.001)                                                              350 epochs (700 R-200)
//	linear stage, ImageNet  RMSProp                 -                        -                     -     ~10 epochs suffice,
//	                                                                                                     encoder frozen
//	linear stage, CIFAR     SGD (public code)       -                        -                     -     ~10 epochs
//
// "-" marks what the paper does not state. Our CLI default, for every stage
// unless a flag says otherwise: "sgd" with momentum 0.9 (no Nesterov), weight
// decay 1e-4 on [Weight] parameters, learning rate 0.5·batch/1024, linear
// warm-up from 0 over the first 10% of the steps, then cosine decay to 0 over
// the rest ([DefaultSchedule]).
//
// # Numerics and determinism
//
// Optimiser state is float32, like PyTorch's for float32 parameters, and the
// elementwise updates use float32 arithmetic with the hyperparameters and
// per-step scalars (bias corrections, trust ratios) computed in float64 and
// rounded once. Every product is rounded explicitly, which in Go forbids the
// compiler from fusing it into an FMA, so the bits do not depend on the CPU's
// FMA support. Updates run on one goroutine and LARS's norms accumulate in
// float64 in index order: the same inputs give the same bits whatever
// GOMAXPROCS is. The parameters here are small (< 2M floats), so parallel
// updates would not pay.
//
// # RMSProp: PyTorch's, not TensorFlow's
//
// "rmsprop" follows torch.optim.RMSprop (non-centred):
//
//	s ← α·s + (1−α)·g²          (s starts at 0)
//	u ← g / (√s + ε)
//	b ← μ·b + u; p ← p − lr·b   (μ > 0; otherwise p ← p − lr·u)
//
// TensorFlow's RMSProp (tf.compat.v1.train.RMSPropOptimizer, Keras RMSprop)
// differs: ε sits inside the square root (g/√(s+ε)), the learning rate is
// folded into the momentum buffer (b ← μ·b + lr·g/√(s+ε); p ← p − b), and
// tf.compat.v1 starts s at 1, not 0; its defaults are ρ 0.9 and ε 1e-10 (Keras
// 1e-7) against PyTorch's α 0.99 and ε 1e-8. With a constant learning rate
// and small ε the two agree except for the first steps; our choice is
// PyTorch's formula with PyTorch's defaults.
//
// # Checkpoints
//
// [Optimizer.Save] writes the step count and every parameter's buffers, keyed
// by parameter name, in a versioned little-endian format with a CRC-32;
// [Optimizer.Load] checks it against the optimiser's own parameters and
// changes nothing unless all of it is right. Saving, loading into a new
// optimiser over the same parameter values and going on gives the same bits
// as never stopping. The learning rate is not state: [Schedule.LR] is a pure
// function of the step, so a resumed run asks it for lr at [Optimizer.Steps].
package optim
