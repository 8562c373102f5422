// Package settings is the one place where streamx's settings are parsed
// from text: the plugin-wide keys under dubbo.custom.config-map.streamx,
// the URL parameters of services and references, and the values other
// packages read from dubbo-go's URLs. The public packages (config, filter,
// registry) and the internal ones call it, so a value means the same and
// has the same bounds wherever it is written.
package settings
