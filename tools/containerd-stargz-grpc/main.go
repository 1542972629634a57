// containerd-stargz-grpc: the stargz snapshotter daemon, a gRPC snapshots service that
// containerd uses as a proxy plugin. Debian ships the snapshotter's libraries in
// golang-github-containerd-stargz-snapshotter-dev but not this command, and its service/
// package needs k8s.io/cri-api, which Debian does not package. So this wires the same parts
// upstream's service.NewStargzSnapshotterService does (stargz fs + overlay-based snapshotter,
// sources from containerd's default labels), minus the CRI and kubeconfig keychains.
// Registries: anonymous; plain http for localhost/loopback (as upstream) and for the hosts
// given with -insecure. Built by bin/build-stargz-snapshotter with Debian's Go.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	snapshotsapi "github.com/containerd/containerd/api/services/snapshots/v1"
	"github.com/containerd/containerd/contrib/snapshotservice"
	"github.com/containerd/containerd/log"
	"github.com/containerd/containerd/reference"
	"github.com/containerd/containerd/remotes/docker"
	"github.com/containerd/containerd/snapshots/overlay/overlayutils"
	stargzfs "github.com/containerd/stargz-snapshotter/fs"
	fsconfig "github.com/containerd/stargz-snapshotter/fs/config"
	"github.com/containerd/stargz-snapshotter/fs/layer"
	"github.com/containerd/stargz-snapshotter/fs/source"
	snbase "github.com/containerd/stargz-snapshotter/snapshot"
	rhttp "github.com/hashicorp/go-retryablehttp"
	"github.com/pelletier/go-toml"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
	"google.golang.org/grpc"
)

func main() {
	address := flag.String("address", "/run/containerd-stargz-grpc/containerd-stargz-grpc.sock", "gRPC socket path")
	configPath := flag.String("config", "", "TOML file with upstream's fs settings (prefetch_size, noprefetch, [blob], ...)")
	rootDir := flag.String("root", "/var/lib/containerd-stargz-grpc", "state directory")
	insecure := flag.String("insecure", "", "comma-separated registry hosts spoken to over plain http")
	logLevel := flag.String("log-level", "info", "log level")
	flag.Parse()

	lvl, err := logrus.ParseLevel(*logLevel)
	if err != nil {
		fail("log level: %v", err)
	}
	logrus.SetLevel(lvl)
	ctx := log.WithLogger(context.Background(), log.L)

	var cfg fsconfig.Config
	if *configPath != "" {
		tree, err := toml.LoadFile(*configPath)
		if err != nil {
			fail("config %s: %v", *configPath, err)
		}
		if err := tree.Unmarshal(&cfg); err != nil {
			fail("config %s: %v", *configPath, err)
		}
	}

	plain := map[string]bool{}
	for _, h := range strings.Split(*insecure, ",") {
		if h != "" {
			plain[h] = true
		}
	}
	hosts := func(ref reference.Spec) ([]docker.RegistryHost, error) {
		host := ref.Hostname()
		// as upstream's resolver: a retrying client (the fs tunes its retries), 30 s per request
		rc := rhttp.NewClient()
		rc.Logger = nil
		client := rc.StandardClient()
		client.Timeout = 30 * time.Second
		rh := docker.RegistryHost{
			Client:       client,
			Host:         host,
			Scheme:       "https",
			Path:         "/v2",
			Capabilities: docker.HostCapabilityPull | docker.HostCapabilityResolve,
			Authorizer:   docker.NewDockerAuthorizer(docker.WithAuthClient(client)),
		}
		if local, _ := docker.MatchLocalhost(host); local || plain[host] {
			rh.Scheme = "http"
		}
		return []docker.RegistryHost{rh}, nil
	}

	snRoot := filepath.Join(*rootDir, "snapshotter")
	if err := os.MkdirAll(snRoot, 0o700); err != nil {
		fail("root: %v", err)
	}
	userxattr, err := overlayutils.NeedsUserXAttr(snRoot)
	if err != nil {
		log.G(ctx).WithError(err).Warnf("cannot detect whether overlay needs userxattr; assuming %v", userxattr)
	}
	opq := layer.OverlayOpaqueTrusted
	if userxattr {
		opq = layer.OverlayOpaqueUser
	}
	fs, err := stargzfs.NewFilesystem(filepath.Join(*rootDir, "stargz"), cfg,
		stargzfs.WithGetSources(source.FromDefaultLabels(hosts)), stargzfs.WithOverlayOpaqueType(opq))
	if err != nil {
		fail("filesystem: %v", err)
	}
	rs, err := snbase.NewSnapshotter(ctx, snRoot, fs, snbase.AsynchronousRemove)
	if err != nil {
		fail("snapshotter: %v", err)
	}

	rpc := grpc.NewServer()
	snapshotsapi.RegisterSnapshotsServer(rpc, snapshotservice.FromSnapshotter(rs))
	if err := os.MkdirAll(filepath.Dir(*address), 0o700); err != nil {
		fail("socket dir: %v", err)
	}
	if err := os.RemoveAll(*address); err != nil {
		fail("old socket: %v", err)
	}
	l, err := net.Listen("unix", *address)
	if err != nil {
		fail("listen %s: %v", *address, err)
	}
	errCh := make(chan error, 1)
	go func() { errCh <- rpc.Serve(l) }()

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, unix.SIGINT, unix.SIGTERM)
	select {
	case s := <-sig:
		log.G(ctx).Infof("got %v, shutting down", s)
	case err := <-errCh:
		if err != nil {
			fail("serve: %v", err)
		}
	}
	rpc.Stop()
	// Unmounts the lazily mounted layers so nothing stays behind.
	if err := rs.Close(); err != nil {
		log.G(ctx).WithError(err).Warn("close")
	}
}

func fail(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "containerd-stargz-grpc: "+format+"\n", a...)
	os.Exit(1)
}
