// Command genproto is what this module's go:generate lines run to make its
// protobuf code. It builds protoc-gen-go (at go.mod's version of
// google.golang.org/protobuf) and protoc-gen-go-streamx (from this checkout)
// first, so the output never depends on what is installed in GOBIN.
//
//	genproto protoc [protoc arguments]
//	    runs protoc with both plugins. Outputs are given as --<name>_out=DIR
//	    and --descriptor_set_out=FILE.
//	genproto registry [-param P] [-out DIR] file.proto...
//	    runs protoc-gen-go-streamx on .proto files compiled into this
//	    program (grpc-go's interop protos, whose .proto sources grpc-go does
//	    not ship); protoc is not needed.
//
// With STREAMX_GENPROTO_CHECK=1 it writes nothing: it compares what it would
// write with the files there and fails naming the stale ones. The
// staleness test runs go generate that way.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/pluginpb"

	// The descriptors of grpc-go's interop protos, for registry mode.
	_ "google.golang.org/grpc/interop/grpc_testing"
)

// CheckEnv is the environment variable that turns writing into checking.
const CheckEnv = "STREAMX_GENPROTO_CHECK"

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "genproto:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: genproto protoc [protoc arguments] | genproto registry [-param P] [-out DIR] file.proto [file.proto ...]")
	}
	tmp, err := os.MkdirTemp("", "genproto")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	check := os.Getenv(CheckEnv) == "1"
	switch args[0] {
	case "protoc":
		return runProtoc(tmp, args[1:], check)
	case "registry":
		return runRegistry(tmp, args[1:], check)
	}
	return fmt.Errorf("unknown mode %q: want protoc or registry", args[0])
}

// buildPlugins builds both plugins into dir.
func buildPlugins(dir string) error {
	cmd := exec.Command("go", "build", "-o", dir+string(filepath.Separator),
		"google.golang.org/protobuf/cmd/protoc-gen-go",
		"github.com/dubbo-go-streamx/streamx/cmd/protoc-gen-go-streamx")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building the plugins: %w", err)
	}
	return nil
}

// output is where a run writes (real) and, when checking, where it writes
// instead (tmp).
type output struct {
	real, tmp string
	dir       bool
}

func runProtoc(tmp string, args []string, check bool) error {
	bin := filepath.Join(tmp, "bin")
	if err := buildPlugins(bin); err != nil {
		return err
	}
	var outs []output
	var pargs []string
	for i, a := range args {
		name, val, _ := strings.Cut(a, "=")
		switch {
		case a == "-o" || strings.HasPrefix(a, "-o") && !strings.HasPrefix(a, "--"):
			return fmt.Errorf("give the descriptor set as --descriptor_set_out=FILE, not %q", a)
		case name == "--descriptor_set_out":
			o := output{real: val, tmp: filepath.Join(tmp, "out", fmt.Sprint(i))}
			outs = append(outs, o)
			if check {
				if err := os.MkdirAll(filepath.Dir(o.tmp), 0o755); err != nil {
					return err
				}
				a = name + "=" + o.tmp
			}
		case strings.HasPrefix(name, "--") && strings.HasSuffix(name, "_out"):
			o := output{real: val, tmp: filepath.Join(tmp, "out", fmt.Sprint(i)), dir: true}
			outs = append(outs, o)
			if check {
				if err := os.MkdirAll(o.tmp, 0o755); err != nil {
					return err
				}
				a = name + "=" + o.tmp
			}
		}
		pargs = append(pargs, a)
	}
	pargs = append(pargs,
		"--plugin=protoc-gen-go="+filepath.Join(bin, "protoc-gen-go"),
		"--plugin=protoc-gen-go-streamx="+filepath.Join(bin, "protoc-gen-go-streamx"))
	cmd := exec.Command("protoc", pargs...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return errors.New("protoc is not on PATH (scripts/install-protoc.sh installs it)")
		}
		return fmt.Errorf("protoc %s: %w", strings.Join(args, " "), err)
	}
	if !check {
		return nil
	}
	var stale []string
	for _, o := range outs {
		if !o.dir {
			stale = appendStale(stale, o.tmp, o.real)
			continue
		}
		err := filepath.WalkDir(o.tmp, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, err := filepath.Rel(o.tmp, p)
			if err != nil {
				return err
			}
			stale = appendStale(stale, p, filepath.Join(o.real, rel))
			return nil
		})
		if err != nil {
			return err
		}
	}
	return staleError(stale)
}

// appendStale appends real to stale unless it holds what fresh does.
func appendStale(stale []string, fresh, real string) []string {
	want, err := os.ReadFile(fresh)
	if err != nil {
		return append(stale, display(real)+" ("+err.Error()+")")
	}
	got, err := os.ReadFile(real)
	if err != nil || !bytes.Equal(normalize(got), normalize(want)) {
		return append(stale, display(real))
	}
	return stale
}

// display names p from the module's root, where go generate ./... runs.
func display(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	for dir := filepath.Dir(abs); dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if rel, err := filepath.Rel(dir, abs); err == nil {
				return rel
			}
		}
	}
	return p
}

// normalize drops the protoc version protoc-gen-go writes into its header:
// another protoc release makes the same code.
func normalize(b []byte) []byte {
	lines := bytes.SplitAfter(b, []byte("\n"))
	out := lines[:0]
	for _, l := range lines {
		if !bytes.HasPrefix(l, []byte("// \tprotoc ")) {
			out = append(out, l)
		}
	}
	return bytes.Join(out, nil)
}

func staleError(stale []string) error {
	if len(stale) == 0 {
		return nil
	}
	return fmt.Errorf("stale generated files (run go generate ./... and commit):\n  %s", strings.Join(stale, "\n  "))
}

func runRegistry(tmp string, args []string, check bool) error {
	fl := flag.NewFlagSet("registry", flag.ContinueOnError)
	param := fl.String("param", "", "the plugin's parameter (what --go-streamx_opt gives protoc)")
	out := fl.String("out", ".", "the output directory")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() == 0 {
		return errors.New("registry: name the .proto files to generate")
	}
	req := &pluginpb.CodeGeneratorRequest{FileToGenerate: fl.Args()}
	if *param != "" {
		req.Parameter = proto.String(*param)
	}
	seen := map[string]bool{}
	var add func(fd protoreflect.FileDescriptor)
	add = func(fd protoreflect.FileDescriptor) {
		if seen[fd.Path()] {
			return
		}
		seen[fd.Path()] = true
		imports := fd.Imports()
		for i := range imports.Len() {
			add(imports.Get(i).FileDescriptor)
		}
		req.ProtoFile = append(req.ProtoFile, protodesc.ToFileDescriptorProto(fd))
	}
	for _, name := range fl.Args() {
		fd, err := protoregistry.GlobalFiles.FindFileByPath(name)
		if err != nil {
			return fmt.Errorf("registry: %s is not compiled into genproto: %w", name, err)
		}
		add(fd)
	}
	bin := filepath.Join(tmp, "bin")
	if err := buildPlugins(bin); err != nil {
		return err
	}
	in, err := proto.Marshal(req)
	if err != nil {
		return err
	}
	var stdout bytes.Buffer
	cmd := exec.Command(filepath.Join(bin, "protoc-gen-go-streamx"))
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(in), &stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("protoc-gen-go-streamx: %w", err)
	}
	resp := &pluginpb.CodeGeneratorResponse{}
	if err := proto.Unmarshal(stdout.Bytes(), resp); err != nil {
		return err
	}
	if resp.Error != nil {
		return fmt.Errorf("protoc-gen-go-streamx: %s", resp.GetError())
	}
	var stale []string
	for _, f := range resp.File {
		real := filepath.Join(*out, filepath.FromSlash(f.GetName()))
		if check {
			fresh := filepath.Join(tmp, "fresh")
			if err := os.WriteFile(fresh, []byte(f.GetContent()), 0o644); err != nil {
				return err
			}
			stale = appendStale(stale, fresh, real)
			continue
		}
		if err := os.MkdirAll(filepath.Dir(real), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(real, []byte(f.GetContent()), 0o644); err != nil {
			return err
		}
	}
	return staleError(stale)
}
