package main

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/mispbump/mispbump-desktop/core/store"
	"github.com/mispbump/mispbump-desktop/core/version"
)

// A command is one `mispbump NAME …` subcommand. Each lives in its own file
// and registers itself in init, so adding one touches no other file.
type command struct {
	summary string
	run     func(args []string) error
}

var commands = map[string]command{}

func register(name, summary string, run func(args []string) error) {
	commands[name] = command{summary: summary, run: run}
}

func init() {
	register("version", "print the version", func([]string) error {
		fmt.Println(version.Name, version.Version)
		return nil
	})
}

// runCommand handles the command-line subcommands; the window is the default.
func runCommand(args []string) error {
	name := args[0]
	switch name {
	case "help", "--help", "-h":
		fmt.Fprint(os.Stdout, usage())
		return nil
	case "--version":
		name = "version"
	}
	cmd, ok := commands[name]
	if !ok {
		return fmt.Errorf("unknown command %q; run 'mispbump help'", name)
	}
	return cmd.run(args[1:])
}

func usage() string {
	var b strings.Builder
	b.WriteString("MISPbump pairs two MISP instances face to face.\n\nUsage:\n" +
		"  mispbump [--data-dir DIR]\n" +
		"                          open the app; --data-dir is the folder of the encrypted store\n" +
		"                          (default: the user's configuration folder); $" + store.PassphraseEnv + "\n" +
		"                          unlocks it without asking (scripted runs)\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "  mispbump %-14s %s\n", n, commands[n].summary)
	}
	b.WriteString("  mispbump help           this text\n")
	return b.String()
}
