// Package config loads a dubbogo.yml for a streamx program through
// dubbo-go's own loader and checks the plugin's settings before anything
// starts.
//
// Only the file's "dubbo:" key is read, as dubbo.Load does. streamx's
// settings live in two places:
//
//   - plugin-wide, under dubbo.custom.config-map.streamx (see Keys and Param);
//   - per service or reference, in its params:, where they become URL
//     parameters (streamx.compress-min-bytes, max-server-recv-msg-size, ...).
//
// Which stack serves or calls is picked by the streamx key (ParamStack) in
// a protocol's params (dubbo.protocols.<id>.params.streamx) or a service's
// or reference's params: true, the default, for streamx; false for
// dubbo-go's stock Triple. A service's or reference's value wins over its
// protocol's. Load fails on any other value, naming the key and the value.
//
// A per-service or per-reference value wins over the plugin-wide one, which
// wins over the built-in default. The HTTP/2 connection bounds (ConnKeys)
// are set plugin-wide or per reference (streamx.<key>); a provider's are
// plugin-wide only, as every service on a port shares its connections, and
// a service setting one is an error. Load fails, naming the key and the value,
// on a bad size, a negative number, an unknown key under streamx or
// streamx.* params, or a filter name dubbo-go does not know; it never
// panics on bad input.
//
// Before parsing, ${NAME} and ${NAME:default} with NAME in upper case are
// replaced from the environment, so one file serves several ports. Other
// ${...} placeholders are left to dubbo-go (they name keys of the file).
//
// Load once per process, at startup, before dubbo-go runs: like dubbo.Load,
// each Load builds a dubbo.Instance whose initialisation replaces gost's
// process-wide logger without synchronisation, a data race with dubbo-go
// goroutines already logging.
//
// Load builds a dubbo.Instance without dubbo.Load's process-wide side
// effects (dubbo.Load serves and refers only once per process and starts a
// file watcher); Config.NewServer and Config.Dial apply the file's provider
// services and consumer references, which dubbo-go's Instance.NewServer and
// Client.Dial leave out.
package config
