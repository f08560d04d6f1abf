set terminal png size 1000,800 noenhanced
set output '/tmp/runs/acq-std-j12-d2/curves.png'
set multiplot layout 2,1
set grid
set xlabel 'CPU minutes'
set title 'validation: mean regret on held-out GP functions'
set logscale y
plot '/tmp/runs/acq-std-j12-d2/validation.tsv' using 1:2 with linespoints title 't = 10', '/tmp/runs/acq-std-j12-d2/validation.tsv' using 1:3 with linespoints title 't = 25', '/tmp/runs/acq-std-j12-d2/validation.tsv' using 1:4 with linespoints title 't = 50', '/tmp/runs/acq-std-j12-d2/validation.tsv' using 1:5 with linespoints title 't = 100'
unset logscale y
set title 'training loss (listwise cross-entropy)'
plot '/tmp/runs/acq-std-j12-d2/train.tsv' using 2:3 with lines title 'loss'
unset multiplot
