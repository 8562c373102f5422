package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/dubbo-go-streamx/streamx/bench/internal/harness"
)

// Summary is the medians of one case on one framework.
type Summary struct {
	Case      string   `json:"case"`
	Framework string   `json:"framework"`
	Runs      int      `json:"runs"` // runs with a result
	NA        string   `json:"na,omitempty"`
	Errors    []string `json:"errors,omitempty"`

	MsgPerSec          float64 `json:"msg_per_s,omitempty"`
	MBPerSec           float64 `json:"mb_per_s,omitempty"`
	CPUMicrosPerMsg    float64 `json:"cpu_us_per_msg,omitempty"` // client + server
	ClientMicrosPerMsg float64 `json:"client_cpu_us_per_msg,omitempty"`
	ServerMicrosPerMsg float64 `json:"server_cpu_us_per_msg,omitempty"`

	Idle *IdleSummary `json:"idle,omitempty"`
	// Latency is each percentile's median over the runs (cases that time
	// every call: pp16, u1, u32).
	Latency *harness.Latency `json:"latency,omitempty"`
}

// IdleSummary is the idle case per open stream: (after - before) / streams,
// medians over the runs.
type IdleSummary struct {
	Streams          int     `json:"streams"`
	OpenSeconds      float64 `json:"open_seconds"`
	ClientRSS        float64 `json:"client_rss_bytes"`
	ClientHeap       float64 `json:"client_heap_inuse_bytes"`
	ClientStack      float64 `json:"client_stack_inuse_bytes"`
	ClientGoroutines float64 `json:"client_goroutines"`
	ServerRSS        float64 `json:"server_rss_bytes"`
	ServerHeap       float64 `json:"server_heap_inuse_bytes"`
	ServerStack      float64 `json:"server_stack_inuse_bytes"`
	ServerGoroutines float64 `json:"server_goroutines"`
}

// Ratio compares streamx's median msg/s with each other framework's.
type Ratio struct {
	Case string `json:"case"`
	// StreamxOver maps a framework to streamx's msg/s over its msg/s.
	StreamxOver map[string]float64 `json:"streamx_over"`
}

// Parity compares streamx's s2c16 read with ReadTimeout (the parity case)
// with plain Read (s2c16), on the same transport.
type Parity struct {
	ReadMsgPerSec        float64 `json:"read_msg_per_s"`
	ReadTimeoutMsgPerSec float64 `json:"read_timeout_msg_per_s"`
	Ratio                float64 `json:"read_timeout_over_read"`
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// summarize takes the medians of the runs of one case on one framework.
func summarize(name, fw string, runs []Run) Summary {
	sum := Summary{Case: name, Framework: fw}
	var msgs, mbs, cpu, ccpu, scpu, p50, p99, p999 []float64
	calls := 0
	var open, crss, cheap, cstack, cg, srss, sheap, sstack, sg []float64
	streams := 0
	for _, r := range runs {
		switch {
		case r.NA != "":
			sum.NA = r.NA
			continue
		case r.Error != "":
			sum.Errors = append(sum.Errors, r.Error)
			continue
		}
		if id := r.Idle; id != nil && id.Streams > 0 {
			n := float64(id.Streams)
			streams = id.Streams
			open = append(open, id.OpenSeconds)
			crss = append(crss, float64(id.ClientAfter.RSSBytes-id.ClientBefore.RSSBytes)/n)
			cheap = append(cheap, (float64(id.ClientAfter.HeapInuse)-float64(id.ClientBefore.HeapInuse))/n)
			cstack = append(cstack, (float64(id.ClientAfter.StackInuse)-float64(id.ClientBefore.StackInuse))/n)
			cg = append(cg, float64(id.ClientAfter.Goroutines-id.ClientBefore.Goroutines)/n)
			srss = append(srss, float64(id.ServerAfter.RSSBytes-id.ServerBefore.RSSBytes)/n)
			sheap = append(sheap, (float64(id.ServerAfter.HeapInuse)-float64(id.ServerBefore.HeapInuse))/n)
			sstack = append(sstack, (float64(id.ServerAfter.StackInuse)-float64(id.ServerBefore.StackInuse))/n)
			sg = append(sg, float64(id.ServerAfter.Goroutines-id.ServerBefore.Goroutines)/n)
			sum.Runs++
			continue
		}
		if r.Messages == 0 || r.Seconds == 0 {
			sum.Errors = append(sum.Errors, "no messages in the window")
			continue
		}
		m := float64(r.Messages)
		msgs = append(msgs, m/r.Seconds)
		mbs = append(mbs, float64(r.Bytes)/r.Seconds/1e6)
		cpu = append(cpu, (r.ClientCPUSeconds+r.ServerCPUSeconds)*1e6/m)
		ccpu = append(ccpu, r.ClientCPUSeconds*1e6/m)
		scpu = append(scpu, r.ServerCPUSeconds*1e6/m)
		if l := r.Latency; l != nil {
			calls += l.Calls
			p50, p99, p999 = append(p50, l.P50), append(p99, l.P99), append(p999, l.P999)
		}
		sum.Runs++
	}
	if sum.Runs == 0 {
		return sum
	}
	if len(open) > 0 {
		sum.Idle = &IdleSummary{Streams: streams, OpenSeconds: median(open),
			ClientRSS: median(crss), ClientHeap: median(cheap), ClientStack: median(cstack), ClientGoroutines: median(cg),
			ServerRSS: median(srss), ServerHeap: median(sheap), ServerStack: median(sstack), ServerGoroutines: median(sg)}
		return sum
	}
	sum.MsgPerSec, sum.MBPerSec = median(msgs), median(mbs)
	sum.CPUMicrosPerMsg, sum.ClientMicrosPerMsg, sum.ServerMicrosPerMsg = median(cpu), median(ccpu), median(scpu)
	if len(p50) > 0 {
		sum.Latency = &harness.Latency{Calls: calls, P50: median(p50), P99: median(p99), P999: median(p999)}
	}
	return sum
}

// report is everything benchrun writes.
type report struct {
	Date       string   `json:"date"`
	Command    string   `json:"command"`
	Reps       int      `json:"reps"`
	IdleReps   int      `json:"idle_reps"`
	Duration   string   `json:"duration"`
	Streams    int      `json:"idle_streams"`
	Frameworks []string `json:"frameworks"`
	// Versions are each program's Go and stack module versions.
	Versions  map[string]string `json:"versions"`
	Summaries []Summary         `json:"summaries"`
	Ratios    []Ratio           `json:"ratios"`
	Parity    *Parity           `json:"parity,omitempty"`
	Runs      []Run             `json:"runs"`
	// ServerRaces are race detector reports in server logs (-race builds).
	ServerRaces []string `json:"server_races,omitempty"`
}

func (r *report) find(name, fw string) *Summary {
	for i := range r.Summaries {
		if s := &r.Summaries[i]; s.Case == name && s.Framework == fw {
			return s
		}
	}
	return nil
}

// derive fills in the ratios and parity from the summaries.
func (r *report) derive(cases []string) {
	ratio := func(a, b *Summary) float64 {
		if a == nil || b == nil || a.MsgPerSec == 0 || b.MsgPerSec == 0 {
			return 0
		}
		return a.MsgPerSec / b.MsgPerSec
	}
	for _, c := range throughputCases(cases) {
		sx := r.find(c, "streamx")
		ra := Ratio{Case: c, StreamxOver: map[string]float64{}}
		for _, fw := range others(r.Frameworks) {
			ra.StreamxOver[fw] = ratio(sx, r.find(c, fw))
		}
		r.Ratios = append(r.Ratios, ra)
	}
	if p, s := r.find("parity", "streamx"), r.find("s2c16", "streamx"); p != nil && s != nil && p.MsgPerSec > 0 && s.MsgPerSec > 0 {
		r.Parity = &Parity{ReadMsgPerSec: s.MsgPerSec, ReadTimeoutMsgPerSec: p.MsgPerSec, Ratio: p.MsgPerSec / s.MsgPerSec}
	}
}

// frameworkTitle names a framework in the table.
var frameworkTitle = map[string]string{"streamx": "streamx", "grpc": "grpc-go", "connect": "connect-go", "triple": "raw Triple"}

// others are the frameworks streamx is compared with.
func others(fws []string) []string {
	return slices.DeleteFunc(slices.Clone(fws), func(fw string) bool { return fw == "streamx" })
}

func title(fw string) string {
	if t, ok := frameworkTitle[fw]; ok {
		return t
	}
	return fw
}

// writeTable prints the report as Markdown tables.
func (r *report) writeTable(w io.Writer, cases []string) {
	fws := r.Frameworks
	fmt.Fprintf(w, "Medians of %d runs x %s (idle: %d runs, %d streams), %s.\n\n", r.Reps, r.Duration, r.IdleReps, r.Streams, r.Date)
	for _, fw := range fws {
		fmt.Fprintf(w, "- %s: %s\n", title(fw), r.Versions[fw])
	}
	fmt.Fprintln(w)
	var problems []string
	for i, c := range throughputCases(cases) {
		if i == 0 {
			hdr := []string{"case"}
			for _, fw := range fws {
				hdr = append(hdr, title(fw)+" msg/s")
			}
			for _, fw := range others(fws) {
				hdr = append(hdr, "streamx/"+title(fw))
			}
			hdr = append(hdr, "CPU µs/msg "+strings.Join(mapTitles(fws), " / "))
			row(w, hdr...)
			row(w, slices.Repeat([]string{"---"}, len(hdr))...)
		}
		cells := []string{c}
		var cpus []string
		for _, fw := range fws {
			s := r.find(c, fw)
			cells = append(cells, rateCell(s))
			cpus = append(cpus, cpuCell(s))
			problems = append(problems, problemLines(s)...)
		}
		ra := Ratio{}
		for _, x := range r.Ratios {
			if x.Case == c {
				ra = x
			}
		}
		for _, fw := range others(fws) {
			cells = append(cells, ratioCell(ra.StreamxOver[fw]))
		}
		cells = append(cells, strings.Join(cpus, " / "))
		row(w, cells...)
	}
	r.writeLatency(w, cases)
	if slices.Contains(cases, "parity") {
		fmt.Fprintln(w)
		if p := r.Parity; p != nil {
			fmt.Fprintf(w, "parity (streamx s2c16 on one transport): ReadTimeout %s msg/s vs Read %s msg/s = %.2f\n",
				human(p.ReadTimeoutMsgPerSec), human(p.ReadMsgPerSec), p.Ratio)
		} else {
			fmt.Fprintln(w, "parity: n/a (needs streamx results for both s2c16 and parity)")
		}
		for _, fw := range fws {
			if s := r.find("parity", fw); s != nil && s.NA != "" {
				fmt.Fprintf(w, "parity on %s: n/a (%s)\n", title(fw), s.NA)
			}
			problems = append(problems, problemLines(r.find("parity", fw))...)
		}
	}
	if slices.Contains(cases, "idle10k") {
		fmt.Fprintf(w, "\nIdle open bidi streams (%d on one client, one 16-byte echo each), per stream:\n\n", r.Streams)
		hdr := []string{"per idle stream"}
		for _, fw := range fws {
			hdr = append(hdr, title(fw)+" client", title(fw)+" server")
		}
		row(w, hdr...)
		row(w, slices.Repeat([]string{"---"}, len(hdr))...)
		type metric struct {
			name           string
			client, server func(*IdleSummary) string
		}
		kb := func(v float64) string { return fmt.Sprintf("%.1f KB", v/1000) }
		for _, m := range []metric{
			{"RSS", func(i *IdleSummary) string { return kb(i.ClientRSS) }, func(i *IdleSummary) string { return kb(i.ServerRSS) }},
			{"Go heap in use", func(i *IdleSummary) string { return kb(i.ClientHeap) }, func(i *IdleSummary) string { return kb(i.ServerHeap) }},
			{"goroutine stacks", func(i *IdleSummary) string { return kb(i.ClientStack) }, func(i *IdleSummary) string { return kb(i.ServerStack) }},
			{"goroutines", func(i *IdleSummary) string { return fmt.Sprintf("%.2f", i.ClientGoroutines) }, func(i *IdleSummary) string { return fmt.Sprintf("%.2f", i.ServerGoroutines) }},
			{"time to open all (s)", func(i *IdleSummary) string { return fmt.Sprintf("%.2f", i.OpenSeconds) }, func(*IdleSummary) string { return "" }},
		} {
			cells := []string{m.name}
			for _, fw := range fws {
				s := r.find("idle10k", fw)
				switch {
				case s == nil || s.Idle == nil:
					na := naCell(s)
					cells = append(cells, na, na)
				default:
					cells = append(cells, m.client(s.Idle), m.server(s.Idle))
				}
			}
			row(w, cells...)
		}
		for _, fw := range fws {
			problems = append(problems, problemLines(r.find("idle10k", fw))...)
		}
	}
	problems = append(problems, r.ServerRaces...)
	if len(problems) > 0 {
		fmt.Fprintln(w, "\nProblems:")
		for _, p := range problems {
			fmt.Fprintln(w, "- "+p)
		}
	}
}

// writeLatency prints the per-call percentiles of the cases that have them.
func (r *report) writeLatency(w io.Writer, cases []string) {
	var timed []string
	for _, c := range throughputCases(cases) {
		for _, fw := range r.Frameworks {
			if s := r.find(c, fw); s != nil && s.Latency != nil {
				timed = append(timed, c)
				break
			}
		}
	}
	if len(timed) == 0 {
		return
	}
	fmt.Fprintln(w, "\nPer-call latency, µs: p50 / p99 / p99.9 (medians over the runs):")
	fmt.Fprintln(w)
	hdr := append([]string{"case"}, mapTitles(r.Frameworks)...)
	row(w, hdr...)
	row(w, slices.Repeat([]string{"---"}, len(hdr))...)
	for _, c := range timed {
		cells := []string{c}
		for _, fw := range r.Frameworks {
			s := r.find(c, fw)
			if s == nil || s.Latency == nil {
				cells = append(cells, naCell(s))
				continue
			}
			cells = append(cells, fmt.Sprintf("%.0f / %.0f / %.0f", s.Latency.P50, s.Latency.P99, s.Latency.P999))
		}
		row(w, cells...)
	}
}

// throughputCases are the cases of the main table.
func throughputCases(cases []string) []string {
	return slices.DeleteFunc(slices.Clone(cases), func(c string) bool { return c == "idle10k" || c == "parity" })
}

func mapTitles(fws []string) []string {
	out := make([]string, len(fws))
	for i, fw := range fws {
		out[i] = title(fw)
	}
	return out
}

func row(w io.Writer, cells ...string) {
	fmt.Fprintln(w, "| "+strings.Join(cells, " | ")+" |")
}

func naCell(s *Summary) string {
	switch {
	case s == nil:
		return "not run"
	case s.NA != "":
		return "n/a"
	default:
		return "error"
	}
}

func rateCell(s *Summary) string {
	if s == nil || s.Runs == 0 || s.MsgPerSec == 0 {
		return naCell(s)
	}
	if s.MsgPerSec > 0 && s.MBPerSec/s.MsgPerSec*1e6 >= 1024 { // large messages: MB/s says more
		return fmt.Sprintf("%s (%.0f MB/s)", human(s.MsgPerSec), s.MBPerSec)
	}
	return human(s.MsgPerSec)
}

func cpuCell(s *Summary) string {
	if s == nil || s.Runs == 0 || s.MsgPerSec == 0 {
		return naCell(s)
	}
	if s.CPUMicrosPerMsg >= 100 {
		return fmt.Sprintf("%.0f", s.CPUMicrosPerMsg)
	}
	return fmt.Sprintf("%.1f", s.CPUMicrosPerMsg)
}

func ratioCell(x float64) string {
	if x == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", x)
}

func problemLines(s *Summary) []string {
	if s == nil {
		return nil
	}
	var out []string
	for _, e := range s.Errors {
		out = append(out, fmt.Sprintf("%s on %s: %s", s.Case, title(s.Framework), e))
	}
	return out
}

// human prints a rate as 9.3k or 1.2M.
func human(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.0fk", v/1e3)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	default:
		return fmt.Sprintf("%.0f", v)
	}
}
