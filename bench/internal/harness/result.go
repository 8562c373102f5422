package harness

// A client prints StartMarker when its measurement window opens and
// ResultMarker followed by a Result as JSON when it closes, each on a line
// of its own; benchrun samples the server's CPU time at both. Other lines
// (framework logs) are ignored.
const (
	StartMarker  = "BENCH-START"
	ResultMarker = "BENCH-RESULT "
)

// Result is one client run of one case.
type Result struct {
	Framework string `json:"framework"`
	Case      string `json:"case"`
	Messages  int64  `json:"messages"`
	// Bytes counts payload bytes (the name or message field), not the
	// framing around them.
	Bytes            int64   `json:"bytes"`
	Seconds          float64 `json:"seconds"`
	ClientCPUSeconds float64 `json:"client_cpu_seconds"`
	// NA says why the framework cannot run the case; no numbers then.
	NA    string `json:"na,omitempty"`
	Error string `json:"error,omitempty"`
	Idle  *Idle  `json:"idle,omitempty"`
	// Latency is the per-call time distribution of pp16 and the unary cases.
	Latency *Latency `json:"latency,omitempty"`
}

// Idle is what the idle case measures on both sides, before the streams
// are opened and once they are all open and idle.
type Idle struct {
	Streams      int     `json:"streams"`
	OpenSeconds  float64 `json:"open_seconds"`
	ClientBefore Stats   `json:"client_before"`
	ClientAfter  Stats   `json:"client_after"`
	ServerBefore Stats   `json:"server_before"`
	ServerAfter  Stats   `json:"server_after"`
}
