package h2

// MaxSharedURLs is maxSharedURLs, for the external tests.
const MaxSharedURLs = maxSharedURLs
