// Package confhook hands the module's internal packages what package
// config knows but must not export to users. config sets the hooks in its
// init, as grpc-go's public packages set the hooks of its internal package;
// a program that imports a package using them imports config too.
package confhook

// Limits converts a config.Settings' connection bounds into the engine's
// h2conn.Limits. Its dynamic type is func(config.Settings) h2conn.Limits
// (this package cannot name config.Settings without an import cycle).
var Limits any
