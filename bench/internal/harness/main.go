package harness

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

// Main runs a framework program: "server -port P" serves until signalled;
// "client -port P -case C" runs one case and prints its Result.
func Main(fw Framework) {
	if len(os.Args) < 2 {
		usage(fw)
	}
	mode, args := os.Args[1], os.Args[2:]
	fs := flag.NewFlagSet(fw.Name+" "+mode, flag.ExitOnError)
	port := fs.Int("port", 0, "the server's port on 127.0.0.1")
	switch mode {
	case "version":
		fmt.Println(Versions())
	case "server":
		pprofAddr := fs.String("pprof", "", "serve net/http/pprof on this address (e.g. 127.0.0.1:6060) for profiling")
		_ = fs.Parse(args)
		if *port <= 0 {
			usage(fw)
		}
		if *pprofAddr != "" {
			servePprof(*pprofAddr)
		}
		if err := fw.Serve(*port); err != nil {
			fmt.Fprintln(os.Stderr, "serve:", err)
			os.Exit(1)
		}
	case "client":
		name := fs.String("case", "pp16", "the case to run")
		var o Options
		fs.DurationVar(&o.Duration, "duration", 3*time.Second, "the measurement window of throughput cases")
		fs.IntVar(&o.Streams, "streams", 10000, "streams the idle case opens")
		fs.DurationVar(&o.Hold, "hold", 0, "idle10k: keep the streams open this long once measured (to profile the server)")
		fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the measurement window to this file")
		_ = fs.Parse(args)
		if *port <= 0 {
			usage(fw)
		}
		os.Exit(runClient(fw, *port, *name, o))
	default:
		usage(fw)
	}
}

func usage(fw Framework) {
	fmt.Fprintf(os.Stderr, "usage: %s server -port P [-pprof ADDR]\n       %s client -port P -case C [-duration D] [-streams N] [-cpuprofile FILE]\n       %s version\n", fw.Name, fw.Name, fw.Name)
	os.Exit(2)
}

// runClient runs one case and prints its Result; the exit status is 0 for
// a result or an n/a, 1 for an error.
func runClient(fw Framework, port int, name string, o Options) int {
	r := Result{Framework: fw.Name, Case: name}
	err := runCase(fw, port, name, o, &r)
	if why, ok := isNA(err); ok {
		r = Result{Framework: fw.Name, Case: name, NA: why}
	} else if err != nil {
		r.Error = err.Error()
	}
	b, _ := json.Marshal(r)
	fmt.Println(ResultMarker + string(b))
	if r.Error != "" {
		return 1
	}
	return 0
}

func runCase(fw Framework, port int, name string, o Options, r *Result) error {
	run, ok := Cases[name]
	if !ok {
		return fmt.Errorf("unknown case %q", name)
	}
	c, err := fw.Dial(port)
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	// Streams end with the process; cancelling first lets the server see
	// a clean cancel rather than a reset connection.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// One call first, so that connecting is not measured.
	if _, err := c.Call(ctx, MethodUnary, &pb.GreeterRequest{Name: "warm-up"}); err != nil {
		return fmt.Errorf("warm-up call: %w", err)
	}
	return run(ctx, c, o, &window{profile: o.CPUProfile}, r)
}
