module github.com/evtxrdp/evtxrdp

go 1.26.8
