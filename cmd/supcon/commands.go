package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/supcon/supcon/internal/version"
)

// command is one sub-command. Each lives in its own file and adds itself to the
// table with register from an init function, so that commands never have to
// edit each other's files.
type command struct {
	// Name is the words that select the command: "inspect", or "bench loss"
	// for a command grouped under another word.
	Name string
	// Args is the synopsis after the flags, e.g. "FILE_OR_GLOB...".
	Args string
	// Summary is one line for `supcon help`.
	Summary string
	// Help is the longer text printed above the flags by `supcon NAME -h`.
	Help string
	// Run parses args (everything after the command's name) with a flag set
	// from s.flags and does the work. A usage mistake is returned as
	// usageErrorf; any other error is printed and exits 1.
	Run func(ctx context.Context, s *streams, args []string) error
}

// streams are the command's standard input and outputs, and the command
// being run (set by run), so that tests can drive commands in-process.
type streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
	cmd *command
}

var commands = map[string]*command{}

// register adds c to the command table; a duplicate name is a programming error.
func register(c *command) {
	if _, dup := commands[c.Name]; dup {
		panic("supcon: command registered twice: " + c.Name)
	}
	commands[c.Name] = c
}

// usageError marks an error in how a command was called: run prints it with
// the command's usage and exits 2.
type usageError struct {
	msg          string
	usagePrinted bool // the flag package has already printed the usage
}

func (e *usageError) Error() string { return e.msg }

// usageErrorf returns a usageError with a formatted message.
func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// flags returns a new flag set for the running command whose usage text is
// the command's help and flags.
func (s *streams) flags() *flag.FlagSet {
	fs := flag.NewFlagSet("supcon "+s.cmd.Name, flag.ContinueOnError)
	fs.SetOutput(s.Err)
	fs.Usage = func() { printCommandHelp(s.Err, s.cmd, fs) }
	return fs
}

// parse parses args into fs; unknown or malformed flags become a usageError
// (the flag package has already printed the usage).
func (s *streams) parse(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return &usageError{msg: err.Error(), usagePrinted: true}
}

// run dispatches args to a command and returns the process exit code:
// 0 success, 1 failure, 2 usage error.
func run(ctx context.Context, args []string, s *streams) int {
	if len(args) == 0 {
		printHelp(s.Err)
		return 2
	}
	c, rest := lookup(args)
	if c == nil {
		if group := commandsUnder(args[0]); len(group) > 0 {
			fmt.Fprintf(s.Err, "supcon %s: name one of its commands:\n", args[0])
			for _, g := range group {
				fmt.Fprintf(s.Err, "  supcon %s\t%s\n", g.Name, g.Summary)
			}
			return 2
		}
		fmt.Fprintf(s.Err, "supcon: unknown command %q; run 'supcon help' for the list\n", strings.Join(args[:min(len(args), 2)], " "))
		return 2
	}
	s.cmd = c
	err := c.Run(ctx, s, rest)
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(s.Err, "supcon %s: %v\n", c.Name, err)
		if !ue.usagePrinted {
			fmt.Fprintf(s.Err, "usage: supcon %s [flags] %s\nrun 'supcon %s -h' for the flags\n", c.Name, c.Args, c.Name)
		}
		return 2
	default:
		fmt.Fprintf(s.Err, "supcon %s: %v\n", c.Name, err)
		return 1
	}
}

// lookup finds the command named by the longest run of leading words of args.
func lookup(args []string) (*command, []string) {
	for n := min(len(args), 3); n > 0; n-- {
		if c, ok := commands[strings.Join(args[:n], " ")]; ok {
			return c, args[n:]
		}
	}
	return nil, nil
}

// commandsUnder returns the commands grouped under a first word, such as
// "bench", in name order.
func commandsUnder(word string) []*command {
	var out []*command
	for _, c := range sortedCommands() {
		if strings.HasPrefix(c.Name, word+" ") {
			out = append(out, c)
		}
	}
	return out
}

// sortedCommands returns the command table in name order.
func sortedCommands() []*command {
	cs := make([]*command, 0, len(commands))
	for _, c := range commands {
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].Name < cs[j].Name })
	return cs
}

// printHelp writes the overview: every command with its summary.
func printHelp(w io.Writer) {
	fmt.Fprint(w, `supcon builds Supervised Contrastive Learning training data (multiview
TFRecord shards) from image datasets, and trains and evaluates models on it.

usage: supcon <command> [flags] [arguments]

commands:
`)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range sortedCommands() {
		fmt.Fprintf(tw, "  %s\t%s\n", c.Name, c.Summary)
	}
	tw.Flush()
	fmt.Fprint(w, `
Run 'supcon help <command>' or 'supcon <command> -h' for a command's flags.
`)
}

// printCommandHelp writes one command's usage, help text and flags.
func printCommandHelp(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: supcon %s [flags] %s\n\n", c.Name, c.Args)
	if c.Help != "" {
		fmt.Fprintf(w, "%s\n\n", strings.TrimSpace(c.Help))
	} else {
		fmt.Fprintf(w, "%s\n\n", c.Summary)
	}
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintln(w, "flags:")
		fs.PrintDefaults()
	}
}

func init() {
	register(&command{
		Name:    "help",
		Args:    "[command]",
		Summary: "explain the commands, or one command and its flags",
		Run: func(ctx context.Context, s *streams, args []string) error {
			fs := s.flags()
			if err := s.parse(fs, args); err != nil {
				return err
			}
			args = fs.Args()
			if len(args) == 0 {
				printHelp(s.Out)
				return nil
			}
			c, rest := lookup(args)
			if c == nil || len(rest) > 0 {
				return usageErrorf("no command %q", strings.Join(args, " "))
			}
			sub := &streams{In: s.In, Out: s.Out, Err: s.Out, cmd: c}
			return c.Run(ctx, sub, []string{"-h"})
		},
	})
	register(&command{
		Name:    "version",
		Summary: "print the tool's version",
		Run: func(ctx context.Context, s *streams, args []string) error {
			fs := s.flags()
			if err := s.parse(fs, args); err != nil {
				return err
			}
			if fs.NArg() > 0 {
				return usageErrorf("version takes no arguments")
			}
			fmt.Fprintf(s.Out, "supcon %s\n", version.String())
			return nil
		},
	})
}
