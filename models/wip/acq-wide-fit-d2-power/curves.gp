set terminal png size 1000,800 noenhanced
set output 'models/wip/acq-wide-fit-d2-power/curves.png'
set multiplot layout 2,1
set grid
set xlabel 'CPU minutes'
set title 'validation: mean regret on held-out GP functions'
set logscale y
plot 'models/wip/acq-wide-fit-d2-power/validation.tsv' using 1:2 with linespoints title 't = 10', 'models/wip/acq-wide-fit-d2-power/validation.tsv' using 1:3 with linespoints title 't = 25', 'models/wip/acq-wide-fit-d2-power/validation.tsv' using 1:4 with linespoints title 't = 50', 'models/wip/acq-wide-fit-d2-power/validation.tsv' using 1:5 with linespoints title 't = 100'
unset logscale y
set title 'training loss (listwise cross-entropy)'
plot 'models/wip/acq-wide-fit-d2-power/train.tsv' using 2:3 with lines title 'loss'
unset multiplot
