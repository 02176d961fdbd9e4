# sbnofs: superblock-scoped GFP_NOFS reclaim for Linux 6.12 -- harness.
# See README.md.  Every target is a script in scripts/; this file only
# names them.

SHELL := /bin/bash
.NOTPARALLEL:
.DEFAULT_GOAL := help
S := scripts
BZ_BASE := build/out/x86-base/arch/x86/boot/bzImage
BZ_DEBUG := build/out/x86-debug/arch/x86/boot/bzImage

.PHONY: help deps base tree export status kunit kernel kernel-debug kernel-off \
	initramfs smoke smoke-debug selftest scoped-on scoped-off stress static checkpatch bisect model check demo \
	bench bench-limit apply mbox clean distclean

help:
	@echo "make demo          build the test kernel, boot it under QEMU: memcg squeeze and a real workload, switch off | on"
	@echo "make bench         benchmark: off/on/unpatched/oracle, RUNS boots each -> build/bench/results.txt,"
	@echo "                   then bench-limit (hours)"
	@echo "make bench-limit   smallest memory.max real workloads survive -> build/bench-limit/results.txt,"
	@echo "                   limits.png"
	@echo "make check         all tests (what CI runs); last line: N passed, N failed"
	@echo "make tree          build/linux: Debian 6.12 base + patches/ as git commits"
	@echo "make export        patches/ <- the tree's commits (deterministic)"
	@echo "make status        does the tree hold work that patches/ does not?"
	@echo "make kunit         KUnit suites on UML"
	@echo "make kernel        x86_64 test kernel (kernel-debug: PROVE_LOCKING etc.)"
	@echo "make kernel-off    the same with CONFIG_NOFS_SB_RECLAIM=n (builds only)"
	@echo "make smoke         boot the test kernel under QEMU, smoke scenario (smoke-debug)"
	@echo "make selftest      the nofs_sb kselftest in the debug kernel under QEMU"
	@echo "make scoped-on     guest/scoped.sh in the debug kernel, vm.nofs_sb_reclaim=1 (scoped-off: 0)"
	@echo "make stress        bounded lockdep stress (STRESS_SECONDS, STRESS_HEADROOM)"
	@echo "make static        checkpatch, kernel-doc, sparse, coccicheck on the series"
	@echo "make bisect        every prefix of the series builds"
	@echo "make model         spin: the reclaim rules are deadlock free, their counterexamples are found"
	@echo "make apply KSRC=D  apply patches/ to another 6.12 tree (git am or quilt)"
	@echo "make mbox          build/out/sbnofs.mbox: the series as mail, To/Cc from get_maintainer.pl"

deps:
	@$(S)/prepare/deps.sh
base: deps
	@$(S)/prepare/base.sh
tree: deps
	@$(S)/prepare/tree.sh
export:
	@$(S)/export/export.sh
status:
	@$(S)/export/status.sh
kunit: tree
	@$(S)/check/kunit.sh
kernel: tree
	@$(S)/build/build-kernel.sh base
kernel-debug: tree
	@$(S)/build/build-kernel.sh debug
kernel-off: tree
	@$(S)/build/build-kernel.sh off
initramfs: deps
	@$(S)/boot/mk-initramfs.sh
smoke: kernel
	@$(S)/boot/run-qemu.sh --kernel $(BZ_BASE) --script smoke.sh --args $${SMOKE_MEMMAX:-128M}
smoke-debug: kernel-debug
	@$(S)/boot/run-qemu.sh --kernel $(BZ_DEBUG) --script smoke.sh --args $${SMOKE_MEMMAX:-160M}
selftest: kernel-debug
	@$(S)/boot/run-qemu.sh --kernel $(BZ_DEBUG) --script selftest.sh
scoped-on scoped-off: kernel-debug
	@$(S)/boot/run-qemu.sh --kernel $(BZ_DEBUG) --script scoped.sh \
		--args $${SCOPED_MEMMAX:-28M},$(@:scoped-%=%) --log build/logs/qemu-$@.log
stress: kernel-debug
	@$(S)/boot/run-qemu.sh --kernel $(BZ_DEBUG) --script stress.sh \
		--args $${STRESS_SECONDS:-60},$${STRESS_HEADROOM:-8}
static: tree
	@$(S)/check/static.sh
checkpatch: tree
	@$(S)/check/static.sh checkpatch
bisect: tree
	@$(S)/check/bisect.sh
model: deps
	@$(S)/check/model.sh
check:
	@$(S)/check/check.sh
demo:
	@$(S)/bench/demo.sh
bench: tree
	@$(S)/bench/bench.sh
	@$(S)/bench/bench-limit.sh
bench-limit: tree
	@$(S)/bench/bench-limit.sh
apply:
	@$(S)/export/apply.sh "$(KSRC)"
mbox: tree
	@$(S)/export/mbox.sh
clean:
	rm -rf build/out build/bisect/out build/static/out build/logs build/qemu
distclean:
	@$(S)/export/status.sh >/dev/null || { echo "distclean: the tree holds unexported work (make status)"; exit 1; }
	rm -rf build
