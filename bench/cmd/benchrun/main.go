// Command benchrun runs the benchmark: each framework's server in its own
// process on a free 127.0.0.1 port, every case in a fresh client process,
// frameworks interleaved and repeated, the servers' CPU time read from
// /proc. It prints Markdown tables of medians and writes them, with every
// run, as JSON. It builds nothing: `make bench` builds the programs into
// build/bench/ first.
//
//	benchrun [-bin build/bench] [-reps 5] [-duration 3s] [-json build/bench/results.json]
//	benchrun -smoke   # every case once, briefly; fails unless every framework gave a result
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/dubbo-go-streamx/streamx/bench/internal/harness"
)

// plan is what one benchrun does.
type plan struct {
	bin           string
	frameworks    []string
	cases         []string
	reps          int
	idleReps      int
	duration      time.Duration
	streams       int
	clientTimeout time.Duration
	jsonPath      string
	smoke         bool
}

func main() {
	var p plan
	var fws, cases string
	flag.StringVar(&p.bin, "bin", "build/bench", "directory holding bench-streamx, bench-grpc, bench-connect and bench-triple")
	flag.StringVar(&fws, "frameworks", "streamx,grpc,connect,triple", "frameworks to run (comma-separated)")
	flag.StringVar(&cases, "cases", strings.Join(harness.CaseNames, ","), "cases to run (comma-separated)")
	flag.IntVar(&p.reps, "reps", 5, "repetitions of every throughput case")
	flag.IntVar(&p.idleReps, "idle-reps", 3, "repetitions of idle10k")
	flag.DurationVar(&p.duration, "duration", 3*time.Second, "measurement window of every throughput case")
	flag.IntVar(&p.streams, "streams", 10000, "streams idle10k opens")
	flag.StringVar(&p.jsonPath, "json", "build/bench/results.json", "where to write the results as JSON")
	flag.BoolVar(&p.smoke, "smoke", false, "every case once for 0.3 s with 200 idle streams; exit 1 unless every framework produced a result")
	flag.Parse()
	if p.smoke {
		p.reps, p.idleReps, p.duration, p.streams = 1, 1, 300*time.Millisecond, 200
	}
	p.frameworks, p.cases = split(fws), split(cases)
	for _, c := range p.cases {
		if _, ok := harness.Cases[c]; !ok {
			fatal(fmt.Errorf("unknown case %q (cases: %s)", c, strings.Join(harness.CaseNames, ",")))
		}
	}
	p.clientTimeout = 10*p.duration + 2*time.Minute

	// Every process started is stopped, however benchrun ends.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		killAll()
		os.Exit(130)
	}()
	r, err := run(p)
	killAll()
	if err != nil {
		fatal(err)
	}
	r.writeTable(os.Stdout, p.cases)
	if err := writeJSON(p.jsonPath, r); err != nil {
		fatal(err)
	}
	fmt.Printf("\nresults: %s\n", p.jsonPath)
	if p.smoke {
		if bad := smokeCheck(r, p); len(bad) > 0 {
			fmt.Fprintln(os.Stderr, "smoke run failed:\n  "+strings.Join(bad, "\n  "))
			os.Exit(1)
		}
		fmt.Println("smoke run: every framework produced a result for every case")
	}
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "benchrun:", err)
	os.Exit(1)
}

// run starts the servers, runs the cases rep by rep, rotating the order
// of the frameworks, and summarizes.
func run(p plan) (*report, error) {
	logDir := filepath.Join(filepath.Dir(p.jsonPath), "logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return nil, err
	}
	servers := map[string]*server{}
	defer func() {
		for _, s := range servers {
			s.stop()
		}
	}()
	bins := map[string]string{}
	versions := map[string]string{}
	for _, fw := range p.frameworks {
		bins[fw] = filepath.Join(p.bin, "bench-"+fw)
		if _, err := os.Stat(bins[fw]); err != nil {
			return nil, fmt.Errorf("%w (build the programs first: make bench)", err)
		}
		out, err := exec.Command(bins[fw], "version").Output()
		if err != nil {
			return nil, fmt.Errorf("%s version: %w", bins[fw], err)
		}
		versions[fw] = strings.TrimSpace(string(out))
		s, err := startServer(fw, bins[fw], logDir)
		if err != nil {
			return nil, err
		}
		servers[fw] = s
		fmt.Fprintf(os.Stderr, "%s server: pid %d, 127.0.0.1:%d\n", fw, s.pid(), s.port)
	}

	r := &report{Date: time.Now().UTC().Format("2006-01-02 15:04 MST"), Command: strings.Join(os.Args, " "),
		Reps: p.reps, IdleReps: p.idleReps, Duration: p.duration.String(), Streams: p.streams, Frameworks: p.frameworks, Versions: versions}
	na := map[string]bool{} // case/framework pairs that said n/a: not run again
	reps := max(p.reps, p.idleReps)
	for rep := range reps {
		for _, c := range p.cases {
			if (c == "idle10k" && rep >= p.idleReps) || (c != "idle10k" && rep >= p.reps) {
				continue
			}
			for i := range p.frameworks {
				fw := p.frameworks[(i+rep)%len(p.frameworks)]
				if na[c+"/"+fw] {
					continue
				}
				s := servers[fw]
				fresh := c == "idle10k" && s.alive()
				if fresh {
					// idle10k measures the server's RSS growth; a process that
					// has run other cases grows less, reusing memory it holds.
					if race := s.races(); race != "" {
						r.ServerRaces = append(r.ServerRaces, fw+" server: "+race)
					}
					s.stop()
				}
				if !s.alive() { // a crashed server is restarted so the other cases still run
					if !fresh {
						fmt.Fprintf(os.Stderr, "%s server exited; restarting it (log: %s)\n", fw, s.log)
					}
					ns, err := startServer(fw, bins[fw], logDir)
					if err != nil {
						return nil, err
					}
					servers[fw], s = ns, ns
				}
				run := runClient(bins[fw], s, c, p, rep)
				na[c+"/"+fw] = run.NA != ""
				fmt.Fprintf(os.Stderr, "rep %d %-8s %-7s %s\n", rep+1, c, fw, brief(run))
				r.Runs = append(r.Runs, run)
			}
		}
	}
	for _, c := range p.cases {
		for _, fw := range p.frameworks {
			var runs []Run
			for _, x := range r.Runs {
				if x.Case == c && x.Framework == fw {
					runs = append(runs, x)
				}
			}
			r.Summaries = append(r.Summaries, summarize(c, fw, runs))
		}
	}
	r.derive(p.cases)
	for _, fw := range p.frameworks {
		if race := servers[fw].races(); race != "" {
			r.ServerRaces = append(r.ServerRaces, fw+" server: "+race)
		}
	}
	return r, nil
}

// brief is one run as a progress line.
func brief(r Run) string {
	switch {
	case r.NA != "":
		return "n/a: " + r.NA
	case r.Error != "":
		return "error: " + r.Error
	case r.Idle != nil:
		return fmt.Sprintf("%d streams open in %.2f s", r.Idle.Streams, r.Idle.OpenSeconds)
	default:
		return fmt.Sprintf("%s msg/s, CPU client %.2f s server %.2f s", human(float64(r.Messages)/r.Seconds), r.ClientCPUSeconds, r.ServerCPUSeconds)
	}
}

func writeJSON(path string, r *report) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// smokeCheck lists what keeps a smoke run from passing: any error, and any
// case/framework without a result, except the cases a framework cannot
// run (only parity, on frameworks other than streamx).
func smokeCheck(r *report, p plan) []string {
	var bad []string
	for _, c := range p.cases {
		for _, fw := range p.frameworks {
			s := r.find(c, fw)
			switch {
			case s == nil:
				bad = append(bad, fmt.Sprintf("%s on %s: not run", c, fw))
			case len(s.Errors) > 0:
				bad = append(bad, fmt.Sprintf("%s on %s: %s", c, fw, strings.Join(s.Errors, "; ")))
			case s.NA != "" && (c != "parity" || fw == "streamx"):
				bad = append(bad, fmt.Sprintf("%s on %s: n/a (%s)", c, fw, s.NA))
			case s.NA == "" && s.Runs == 0:
				bad = append(bad, fmt.Sprintf("%s on %s: no result", c, fw))
			}
		}
	}
	bad = append(bad, r.ServerRaces...)
	if slices.Contains(p.cases, "parity") && slices.Contains(p.cases, "s2c16") && slices.Contains(p.frameworks, "streamx") && r.Parity == nil {
		bad = append(bad, "parity: no ratio")
	}
	return bad
}
