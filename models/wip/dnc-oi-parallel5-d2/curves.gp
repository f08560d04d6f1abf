set terminal pngcairo size 1000,700 noenhanced
set output 'models/wip/dnc-oi-parallel5-d2/curves.png'
set multiplot layout 2,1
set title 'training loss (mean over the batch of the summed loss)'
set xlabel 'iteration'
set grid
plot 'models/wip/dnc-oi-parallel5-d2/train.tsv' using 1:2 with lines title 'loss'
set title 'validation: mean regret at the horizon, 95% interval'
set logscale y
plot 'models/wip/dnc-oi-parallel5-d2/validation.tsv' using 1:2:3 with yerrorlines title 'regret'
unset multiplot
