// Package internal_test checks that the module's layers point one way:
// the public packages (protocol/streamx, filter, config, registry,
// samples) sit on top of internal/, and nothing under internal/ imports
// one of them.
package internal_test

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/dubbo-go-streamx/streamx"

// Every package under internal/, with its in-package tests, imports only
// internal packages of this module. External test packages (package
// x_test) may use the public API, as any user does.
func TestInternalImportsNoPublicPackage(t *testing.T) {
	n := 0
	err := filepath.WalkDir(".", func(dir string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if name := d.Name(); dir != "." && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(dir, build.ImportComment)
		if _, none := err.(*build.NoGoError); none {
			return nil
		}
		if err != nil {
			t.Errorf("%s: %v", dir, err)
			return nil
		}
		n++
		checkNoAnyVars(t, dir, pkg.GoFiles)
		for _, imp := range append(pkg.Imports, pkg.TestImports...) {
			if strings.HasPrefix(imp, module+"/") && !strings.HasPrefix(imp, module+"/internal/") {
				t.Errorf("internal/%s imports the public package %s", filepath.ToSlash(dir), imp)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("checked %d packages under internal/; the walk missed them", n)
	}
}

// checkNoAnyVars fails on a package-level variable of type any (or
// interface{}): such a hook, set by a package above and asserted back
// below, is how an import cycle gets hidden rather than removed.
func checkNoAnyVars(t *testing.T, dir string, files []string) {
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				if isAny(vs.Type) {
					t.Errorf("%s: package variable %s has type any: a hook around an import cycle?", fset.Position(vs.Pos()), vs.Names[0])
				}
			}
		}
	}
}

func isAny(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name == "any"
	case *ast.InterfaceType:
		return len(x.Methods.List) == 0
	}
	return false
}
