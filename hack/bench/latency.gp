# Latency percentiles of one scenario, one line per server (median of runs).
# gnuplot -e "datafile='…'; outfile='…'; plottitle='…'" hack/bench/latency.gp
# datafile: header "percentile name1 name2 …", then one row per percentile (µs).
set terminal pngcairo size 900,540 font "DejaVu Sans,11"
set output outfile
set title plottitle
set ylabel "latency (µs, log scale)"
set xlabel "percentile"
set logscale y
set grid ytics mytics
set key top left
set style data linespoints
columns = system("head -1 '" . datafile . "' | wc -w") + 0
plot for [i=2:columns] datafile using i:xtic(1) title columnheader(i) lw 2 pt 7
