package h2server

// MaxSharedURLs is maxSharedURLs, for the external tests.
const MaxSharedURLs = maxSharedURLs
