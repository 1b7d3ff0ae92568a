# The soak test's curves against simulated days (soak.sh runs it):
#   gnuplot -e "in='samples.csv'; out='soak.png'; days=30; raw_days=7" plot.gp
# Four panels: the daemon's memory (VmRSS, and VmHWM, the highest RSS so far), its
# open file descriptors and threads, the history database on disk (the file and
# its write-ahead log; the dotted line is where raw pruning begins), and the real
# time and CPU time spent (a straight line: the daemon kept pace).
if (!exists("in")) in = 'samples.csv'
if (!exists("out")) out = 'soak.png'
if (!exists("days")) days = 30
if (!exists("raw_days")) raw_days = 7

set terminal pngcairo size 1200,1400 font ",11"
set output out
set datafile separator ","
set key top left opaque
set grid
set xrange [0:days]
set xlabel "simulated days"
set multiplot layout 4,1 title "hanp1d soak: ".sprintf("%g", days)." simulated days"
set arrow 1 from raw_days, graph 0 to raw_days, graph 1 nohead dashtype 3 lc rgb "gray40"

set ylabel "MiB"
set title "memory"
set key bottom right
set yrange [0:*]
plot in using "sim_days":(column("rss_kb") / 1024.0) with lines lw 2 title "VmRSS", \
     in using "sim_days":(column("hwm_kb") / 1024.0) with lines dashtype 2 title "VmHWM"

set ylabel "count"
set title "file descriptors and threads"
set key center right
set yrange [0:*]
plot in using "sim_days":"fds" with steps lw 2 title "open fds", \
     in using "sim_days":"threads" with steps title "threads"

set ylabel "MiB"
set title "history database (raw rows pruned after ".raw_days." days)"
set key top left
plot in using "sim_days":((column("db_bytes") + column("wal_bytes")) / 1048576.0) \
        with lines lw 2 title "file + WAL", \
     in using "sim_days":(column("db_bytes") / 1048576.0) with lines title "file", \
     in using "sim_days":(column("wal_bytes") / 1048576.0) with lines title "WAL"

set ylabel "minutes"
set title "real time and the daemon's CPU time"
plot in using "sim_days":(column("real_s") / 60.0) with lines lw 2 title "real", \
     in using "sim_days":(column("cpu_s") / 60.0) with lines title "CPU"

unset multiplot
