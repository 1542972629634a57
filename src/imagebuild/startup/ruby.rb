# What Ruby loaded at startup (run with -e by src/imagebuild/startup.ts): f FILE for each feature.
puts $LOADED_FEATURES.map { |f| "f " + f }
