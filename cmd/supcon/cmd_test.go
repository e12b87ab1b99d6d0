package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// supcon runs the command line in-process and returns its exit code and outputs.
func supcon(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &streams{In: strings.NewReader(""), Out: &out, Err: &errb})
	return code, out.String(), errb.String()
}

func TestHelpListsEveryCommand(t *testing.T) {
	code, out, _ := supcon(t, "help")
	if code != 0 {
		t.Fatalf("help exited %d", code)
	}
	for name, c := range commands {
		if !strings.Contains(out, name) || !strings.Contains(out, c.Summary) {
			t.Errorf("help does not list %q", name)
		}
	}
}

// Every command explains itself and its flags with -h, and with `help NAME`.
func TestEveryCommandHasHelp(t *testing.T) {
	for name := range commands {
		code, _, errOut := supcon(t, append(strings.Fields(name), "-h")...)
		if code != 0 || !strings.Contains(errOut, "usage: supcon "+name) {
			t.Errorf("%s -h: exit %d, output %q", name, code, errOut)
		}
		code, out, _ := supcon(t, append([]string{"help"}, strings.Fields(name)...)...)
		if code != 0 || !strings.Contains(out, "usage: supcon "+name) {
			t.Errorf("help %s: exit %d, output %q", name, code, out)
		}
	}
}

func TestVersionAndUsageErrors(t *testing.T) {
	if code, out, _ := supcon(t, "version"); code != 0 || !strings.HasPrefix(out, "supcon ") {
		t.Errorf("version: %d %q", code, out)
	}
	if code, _, errOut := supcon(t, "frobnicate"); code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %d %q", code, errOut)
	}
	if code, _, errOut := supcon(t); code != 2 || !strings.Contains(errOut, "usage: supcon <command>") {
		t.Errorf("no command: %d %q", code, errOut)
	}
	if code, _, errOut := supcon(t, "version", "--bogus"); code != 2 || !strings.Contains(errOut, "flag provided but not defined") {
		t.Errorf("bad flag: %d %q", code, errOut)
	}
	if code, _, errOut := supcon(t, "help", "nothing"); code != 2 || !strings.Contains(errOut, `no command "nothing"`) {
		t.Errorf("help of an unknown command: %d %q", code, errOut)
	}
}

func TestCommandGroupListsItsCommands(t *testing.T) {
	register(&command{Name: "testgroup one", Summary: "first of a group", Run: func(context.Context, *streams, []string) error { return nil }})
	defer delete(commands, "testgroup one")
	code, _, errOut := supcon(t, "testgroup")
	if code != 2 || !strings.Contains(errOut, "supcon testgroup one") || !strings.Contains(errOut, "first of a group") {
		t.Errorf("a bare group word: exit %d %q", code, errOut)
	}
	if code, _, _ := supcon(t, "testgroup", "one"); code != 0 {
		t.Errorf("testgroup one: exit %d", code)
	}
}
