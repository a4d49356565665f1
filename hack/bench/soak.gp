# RSS over time per allocator strategy in the soak (S5).
# gnuplot -e "files='a.dat b.dat'; names='epoch jemalloc'; outfile='…'; plottitle='…'" hack/bench/soak.gp
# Each file: "minutes rss_mib" rows.
set terminal pngcairo size 900,540 font "DejaVu Sans,11"
set output outfile
set title plottitle
set xlabel "time since the load started (minutes)"
set ylabel "server RSS (MiB)"
set grid
set key top left
plot for [i=1:words(files)] word(files, i) using 1:2 with lines lw 2 title word(names, i)
