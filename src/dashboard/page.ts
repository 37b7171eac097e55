/** The dashboard page: plain HTML, CSS and a little script; no build step, no external assets. */
export const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>eth-p2p devnet</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;background:#0f1115;color:#e6e6e6}
h1{font-size:18px;margin:0 0 4px} .sub{color:#9aa0a6;margin-bottom:16px}
.cards{display:flex;gap:12px;margin-bottom:16px} .card{background:#1a1d24;padding:10px 14px;border-radius:8px}
.card b{display:block;font-size:22px} main{display:flex;gap:24px;flex-wrap:wrap}
table{border-collapse:collapse} td,th{padding:3px 10px;text-align:right;border-bottom:1px solid #262a33}
th{color:#9aa0a6;font-weight:500} td.id{font-family:monospace;text-align:left}
svg{background:#1a1d24;border-radius:8px} .boot{fill:#f2b84b} .node{fill:#4b9ff2} .lonely{fill:#f2554b}
line{stroke:#5a6170;stroke-width:1}
</style></head><body>
<h1>eth-p2p devnet</h1><div class="sub" id="sub">connecting…</div>
<div class="cards"><div class="card">nodes<b id="n">-</b></div><div class="card">with peers<b id="c">-</b></div>
<div class="card">connections<b id="p">-</b></div><div class="card">handshakes<b id="h">-</b></div></div>
<main><svg id="g" width="420" height="420" viewBox="-210 -210 420 420"></svg>
<table><thead><tr><th>#</th><th>node id</th><th>peers</th><th>in</th><th>out</th><th>table</th><th>dials</th><th>failed</th></tr></thead><tbody id="t"></tbody></table></main>
<script>
const $=id=>document.getElementById(id)
async function tick(){
  try{
    const s=await (await fetch('/api/status',{cache:'no-store'})).json()
    $('sub').textContent='up '+(s.uptimeMs/1000).toFixed(0)+' s, 127.0.0.1'
    $('n').textContent=s.nodes.length;$('c').textContent=s.connected;$('p').textContent=s.totalPeers/2;$('h').textContent=s.handshakes
    $('t').innerHTML=s.nodes.map(n=>'<tr><td>'+n.index+'</td><td class="id">'+n.nodeId.slice(0,16)+'…</td><td>'+n.peers+'</td><td>'+n.inbound+'</td><td>'+n.outbound+'</td><td>'+n.table+'</td><td>'+n.dials+'</td><td>'+n.dialFailures+'</td></tr>').join('')
    const N=s.nodes.length,pos=i=>[Math.cos(2*Math.PI*i/N)*180,Math.sin(2*Math.PI*i/N)*180]
    let svg=''
    for(const n of s.nodes)for(const j of n.links)if(j>n.index){const[a,b]=pos(n.index),[c,d]=pos(j);svg+='<line x1="'+a+'" y1="'+b+'" x2="'+c+'" y2="'+d+'"/>'}
    for(const n of s.nodes){const[x,y]=pos(n.index);svg+='<circle r="7" cx="'+x+'" cy="'+y+'" class="'+(n.index===0?'boot':n.peers?'node':'lonely')+'"><title>#'+n.index+' '+n.peers+' peers</title></circle>'}
    $('g').innerHTML=svg
  }catch(e){$('sub').textContent='devnet stopped'}
}
tick();setInterval(tick,1000)
</script></body></html>`
