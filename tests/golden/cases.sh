#!/usr/bin/env bash
# The golden cases: every tool with its main options, each output format,
# one slab and many (a small --memory), piped and from files. Runs the
# tools of the build BIN into the empty directory OUT; tests/golden.bats
# runs it with this build and with the build of tests/golden/BASE (the
# commit before a refactor) and compares every file, bit for bit.
#   tests/golden/cases.sh BIN OUT
# Files named *.h5 are compared through h5dump (HDF5 records object times);
# *.txt hold what a tool printed on stdout.
set -eu
bin=$1 out=$2
export PATH="$bin:$PATH" TOMO_DEVICE=cpu
cd "$out"
small=--memory=2M

# tomo-phantom: projections and volume, a random phantom, every format
tomo-phantom --size 64 --rows 12 --angles 90 --center 31.7 -o proj.nrrd --volume truth.nrrd
tomo-phantom --size 48 --rows 9 --angles 40 --random 7 --range 0:360 -o rand.nrrd
tomo-phantom --size 32 --rows 5 --angles 20 -o pf.tif
tomo-phantom --size 32 --rows 5 --angles 20 -o pf.raw
tomo-phantom --size 32 --rows 5 --angles 20 -o pf.npy
tomo-phantom --size 32 --rows 5 --angles 20 -o pf.h5:/proj
tomo-phantom --size 48 --rows 16 --angles 64 $small -o pm.nrrd
tomo-phantom --size 32 --rows 5 --angles 20 > pipe.nrrd
# simulated scans
tomo-phantom --size 64 --rows 12 --angles 90 --flats 6 --darks 4 --zingers 0.001 -o scan.h5
tomo-phantom --size 48 --rows 8 --angles 30 --flats 4 --darks 2 --nexus -o nx.nxs

# tomo-flat
tomo-flat scan.h5 -o flat.nrrd
tomo-flat --log scan.h5 -o flatlog.nrrd
tomo-flat --log --outliers 0.3 --flat-average median scan.h5 -o flatout.nrrd
tomo-flat --rows 2:9 --crop 5:60 --proj 3:80:2 scan.h5 -o flatsel.nrrd
tomo-flat --bin 2 scan.h5 -o flatbin.nrrd
tomo-flat --log $small scan.h5 -o flatsmall.nrrd
tomo-flat --log scan.h5 -o flat.h5:/t
tomo-flat --log scan.h5 -o flat.tif
tomo-flat --log scan.h5 -o flat.npy
tomo-flat nx.nxs -o flatnx.nrrd
tomo-flat --log scan.h5 > flatpipe.nrrd

# tomo-phase
beam="--energy 25 --distance 0.3 --pixel-size 6.5e-6"
tomo-phase $beam --delta-beta 200 flat.nrrd -o phase.nrrd
tomo-phase $beam --delta-beta 50 --method gpaganin --pad 16 --pad-mode mirror flat.nrrd \
	-o gphase.nrrd
tomo-phase $beam --alpha 1e-3 flat.nrrd -o tphase.nrrd
tomo-phase $beam --delta-beta 200 --no-log $small flat.nrrd -o phasenolog.nrrd
tomo-phase $beam --delta-beta 200 --from-log flatlog.nrrd -o phasefromlog.nrrd
tomo-phase $beam --delta-beta 200 < flat.nrrd > phasepipe.nrrd
tomo-phase $beam --delta-beta 200 flat.nrrd -o phase.h5:/p

# tomo-fbp
tomo-fbp proj.nrrd -o fbp.nrrd
tomo-fbp --method fourier proj.nrrd -o fourier.nrrd
tomo-fbp --method fourier --oversample 1.5 --kernel-width 6 proj.nrrd -o fourier6.nrrd
tomo-fbp --filter hann --cutoff 0.8 --pad zero --size 50 --center 32.2 proj.nrrd -o fbpopt.nrrd
tomo-fbp --slices 3:8 proj.nrrd -o fbpslices.nrrd
tomo-fbp $small proj.nrrd -o fbpsmall.nrrd
tomo-fbp --method fourier $small proj.nrrd -o fouriersmall.nrrd
tomo-fbp rand.nrrd -o fbp360.nrrd
tomo-fbp flat.nrrd -o fbptrans.nrrd
tomo-fbp --pixel-size 6.5e-6 flatlog.nrrd -o fbplog.nrrd
tomo-fbp --range 0:180 pf.raw --shape 32x5x20 -o fbpraw.nrrd
tomo-fbp < proj.nrrd > fbppipe.nrrd
tomo-fbp proj.nrrd -o fbp.tif
tomo-fbp proj.nrrd -o fbp.npy
tomo-fbp proj.nrrd -o fbp.h5:/v
tomo-fbp pm.nrrd -o fbp16.nrrd

# tomo-slice
tomo-slice --index 5 fbp.nrrd -o s.png
tomo-slice --index 5 --bits 16 --window -0.1:0.6 fbp.nrrd -o s16.png
tomo-slice --axis y --range 0:64:16 fbp.nrrd -o 'sy_%02d.pgm'
tomo-slice --ortho fbp.nrrd -o ortho.png
tomo-slice --montage 4x3 fbp.nrrd -o montage.png
tomo-slice --axis x --index 15 --crop 4:30,1:6 --bin 2 fbp.nrrd -o sx.tif
tomo-slice --axis z --range 2:10:3 fbp.nrrd -o sub.nrrd
tomo-slice --index 5 fbp.h5:/v -o s_h5.png

# tomo-info
tomo-info proj.nrrd > info.txt
tomo-info --stats fbp.nrrd flat.h5:/t > stats.txt
tomo-info --json --stats fbp.nrrd > info_json.txt
tomo-info scan.h5 > info_scan.txt
