// Command supcon turns image datasets into multiview TFRecord shards for
// Supervised Contrastive Learning, and trains and evaluates models on them.
//
// Usage:
//
//	supcon <command> [flags] [arguments]
//	supcon help [command]
//
// Run `supcon help` for the list of commands and `supcon <command> -h` for the
// flags of one. The same binary also runs as an Apache Beam worker: main parses
// the global flags and calls beam.Init before it dispatches, as Beam requires.
package main

import (
	"context"
	"flag"
	"os"
	"os/signal"
	"syscall"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	beamlog "github.com/apache/beam/sdks/v2/go/pkg/beam/log"
)

// logLevel is the level of Beam's and the tool's log lines (log/slog).
var logLevel = flag.String("log_level", "warn", "log level: debug, info, warn or error (give it before the command)")

func main() {
	flag.Usage = func() { printHelp(os.Stderr) }
	flag.Parse()
	beamlog.LogLevel = *logLevel
	// beam.Init must run before anything else: when this binary is started as a
	// Beam worker (Dataflow passes --worker), it never returns.
	beam.Init()
	// Ctrl-C and SIGTERM (preemption) cancel the context: training checkpoints.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, flag.Args(), &streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}
