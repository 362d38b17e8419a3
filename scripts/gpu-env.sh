# Source this on a lent GPU machine (no package registry) before building:
#   . scripts/gpu-env.sh
# It unpacks the Debian packages that ../shared/device/fetch-debs put in .debs/
# (carried with the run) into /opt/deps and points the compiler, linker, loader,
# the tests' Python and make at them.
for f in .debs/*.deb; do dpkg -x "$f" /opt/deps; done
d=/opt/deps/usr
export CPATH=$d/include:$d/include/x86_64-linux-gnu:$d/include/hdf5/serial
export LIBRARY_PATH=$d/lib/x86_64-linux-gnu:$d/lib/x86_64-linux-gnu/hdf5/serial
export LD_LIBRARY_PATH=$LIBRARY_PATH${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export PATH=$d/bin:/usr/local/cuda/bin:$PATH
# The image's python3 has numpy, h5py, scikit-image, tifffile and PIL.
export TOMO_PYTHON=$(command -v python3)
# pkg-config files there name /usr as prefix: give make the flags directly.
export DEP_CFLAGS="-I$d/include -I$d/include/x86_64-linux-gnu -I$d/include/hdf5/serial"
export DEP_LIBS="-L$d/lib/x86_64-linux-gnu -L$d/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -ltiff -lfftw3f -lpng16"
