#!/bin/bash
# Call E (the second machine of the sixth session): carries .gpuA (the first 43.5 MB of the train zip) to /tmp/carry.
mkdir -p /tmp/carry && cp .gpuA/zip.part0 /tmp/carry/ && ls -l /tmp/carry
