module aramid

go 1.26.0

toolchain go1.26.8

require (
	github.com/cavaliergopher/cpio v1.0.1
	github.com/klauspost/compress v1.20.3
	github.com/ulikunitz/xz v0.5.17
)

require (
	golang.org/x/arch v0.32.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
