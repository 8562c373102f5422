package harness

import (
	"fmt"
	"net/http"
	"net/http/pprof"
	"os"
	rpprof "runtime/pprof"
)

// servePprof serves the pprof handlers on addr, on a mux of their own so
// that no framework's handlers see them.
func servePprof(addr string) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	go func() {
		if err := http.ListenAndServe(addr, mux); err != nil {
			fmt.Fprintln(os.Stderr, "pprof:", err)
		}
	}()
}

var profileFile *os.File

// startProfile starts a CPU profile into path ("" for none).
func startProfile(path string) {
	if path == "" {
		return
	}
	f, err := os.Create(path)
	if err == nil {
		err = rpprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cpuprofile:", err)
		return
	}
	profileFile = f
}

func stopProfile() {
	if profileFile == nil {
		return
	}
	rpprof.StopCPUProfile()
	_ = profileFile.Close()
	profileFile = nil
}
