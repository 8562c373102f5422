// Package dubboext is streamx's dubbo-go protocol extension: the "tri"
// protocol's Export and Refer, the endpoint that serves exported services
// (streamx methods on streamx's transport, other services through stock
// Triple's handlers on the same port), the invoker that calls a provider,
// and the settings each reads from its URL.
//
// Package streamx (the user API) calls Register from its init and hands
// calls across with CallSpec (consumer) and ServerCall (provider); nothing
// else in streamx knows dubbo-go's protocol types.
package dubboext
