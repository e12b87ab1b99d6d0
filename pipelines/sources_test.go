package pipelines

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/supcon/supcon/augment"
	"github.com/supcon/supcon/internal/gcstest"
	"github.com/supcon/supcon/internal/storage"
	"github.com/supcon/supcon/shards"
)

func TestParseSource(t *testing.T) {
	for _, tc := range []struct {
		in, split string
		want      Source
		err       string
	}{
		{"data/train", "", Source{Kind: Folder, Path: "data/train", Split: "train"}, ""},
		{"gs://bucket/imgs/", "", Source{Kind: Folder, Path: "gs://bucket/imgs", Split: "train"}, ""},
		{"cifar10:/d/cifar-10-batches-bin", "test", Source{Kind: CIFAR10, Path: "/d/cifar-10-batches-bin", Split: "test"}, ""},
		{"mnist:gs://b/mnist", "", Source{Kind: MNIST, Path: "gs://b/mnist", Split: "train"}, ""},
		{"tfrecord:gs://b/in/*.tfrecord", "", Source{Kind: TFRecord, Path: "gs://b/in/*.tfrecord", Split: "train"}, ""},
		{"imagenet:/x", "", Source{}, `unknown source kind "imagenet"`},
		{"cifar100:", "", Source{}, "no path after cifar100:"},
		{"d", "val", Source{}, `split "val"`},
		{"", "", Source{}, "empty input"},
	} {
		got, err := ParseSource(tc.in, tc.split)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseSource(%q): %v, want error %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseSource(%q) = %+v, %v, want %+v", tc.in, got, err, tc.want)
		}
	}
}

// collect reads every unit of a source.
func collect(t *testing.T, src Source) (imgs []sourceImage, rejects []rejection) {
	t.Helper()
	ctx := context.Background()
	units, err := src.Units(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range units {
		err := readUnit(ctx, src.Kind, u, func(si sourceImage) error { imgs = append(imgs, si); return nil },
			func(r rejection) { rejects = append(rejects, r) })
		if err != nil {
			t.Fatal(err)
		}
	}
	return imgs, rejects
}

// A synthetic CIFAR-10 batch: record i has label i%10 and pixel (x,y) of
// plane c equal to (i + x + 2y + 50c) mod 256.
func TestCIFAR10(t *testing.T) {
	dir := t.TempDir()
	var names bytes.Buffer
	for _, n := range []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"} {
		names.WriteString(n + "\n")
	}
	os.WriteFile(filepath.Join(dir, "batches.meta.txt"), names.Bytes(), 0o644)
	write := func(name string, n, base int) {
		var b bytes.Buffer
		for i := base; i < base+n; i++ {
			b.WriteByte(byte(i % 10))
			for c := 0; c < 3; c++ {
				for y := 0; y < 32; y++ {
					for x := 0; x < 32; x++ {
						b.WriteByte(byte(i + x + 2*y + 50*c))
					}
				}
			}
		}
		os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644)
	}
	for k := 1; k <= 5; k++ {
		write(fmt.Sprintf("data_batch_%d.bin", k), 3, 3*(k-1))
	}
	write("test_batch.bin", 4, 0)
	src, _ := ParseSource("cifar10:"+dir, "train")
	classes, err := src.Classes(context.Background())
	if err != nil || len(classes) != 10 || classes[3] != "cat" {
		t.Fatalf("classes %v, %v", classes, err)
	}
	imgs, rejects := collect(t, src)
	if len(imgs) != 15 || len(rejects) != 0 {
		t.Fatalf("%d images, %d rejects", len(imgs), len(rejects))
	}
	for i, im := range imgs {
		if im.ID != fmt.Sprintf("cifar10/train/%05d", i) || im.Label != int64(i%10) {
			t.Errorf("image %d: id %s label %d", i, im.ID, im.Label)
		}
		rgba := im.Img.(*image.RGBA)
		x, y := 5, 7
		c := rgba.RGBAAt(x, y)
		if c.R != byte(i+x+2*y) || c.G != byte(i+x+2*y+50) || c.B != byte(i+x+2*y+100) || c.A != 255 {
			t.Errorf("image %d pixel (5,7) = %v", i, c)
		}
	}
	test, _ := ParseSource("cifar10:"+dir, "test")
	if imgs, _ := collect(t, test); len(imgs) != 4 || imgs[3].ID != "cifar10/test/00003" {
		t.Errorf("test split: %d images", len(imgs))
	}
	if m, err := src.Missing(context.Background()); err != nil || len(m) != 0 {
		t.Errorf("all batches there: missing %v, %v", m, err)
	}
	// Batches 2, 4 and 5 gone: the others are read, with the ids they had.
	for _, k := range []int{2, 4, 5} {
		os.Remove(filepath.Join(dir, fmt.Sprintf("data_batch_%d.bin", k)))
	}
	imgs, rejects = collect(t, src)
	var ids []string
	for _, im := range imgs {
		ids = append(ids, im.ID)
	}
	want := "cifar10/train/00000 cifar10/train/00001 cifar10/train/00002 cifar10/train/10003 cifar10/train/10004 cifar10/train/10005"
	if got := strings.Join(ids, " "); got != want || len(rejects) != 0 {
		t.Errorf("batches 1 and 3: ids %s, %d rejects; want %s", got, len(rejects), want)
	}
	if m, err := src.Missing(context.Background()); err != nil || strings.Join(m, ",") != "data_batch_2.bin,data_batch_4.bin,data_batch_5.bin" {
		t.Errorf("missing %v, %v", m, err)
	}
	// None there: an error naming the files and the folder.
	for _, k := range []int{1, 3} {
		os.Remove(filepath.Join(dir, fmt.Sprintf("data_batch_%d.bin", k)))
	}
	if _, err := src.Units(context.Background()); err == nil || !strings.Contains(err.Error(), "none of data_batch_1.bin, data_batch_2.bin") || !strings.Contains(err.Error(), dir) {
		t.Errorf("no batches: %v", err)
	}
	if _, err := src.Missing(context.Background()); err == nil || !strings.Contains(err.Error(), "none of data_batch_1.bin") {
		t.Errorf("no batches, Missing: %v", err)
	}
	write("data_batch_1.bin", 3, 0)
	write("data_batch_2.bin", 3, 3)
	// A batch that is not a whole number of records is an error naming it.
	os.WriteFile(filepath.Join(dir, "data_batch_2.bin"), make([]byte, 100), 0o644)
	if _, err := src.Units(context.Background()); err == nil || !strings.Contains(err.Error(), "data_batch_2.bin: 100 bytes") {
		t.Errorf("short batch: %v", err)
	}
}

// Synthetic MNIST idx files, gzipped: image i is filled with i, label i%10.
func TestMNIST(t *testing.T) {
	dir := t.TempDir()
	const n = 7
	var imgs, labs bytes.Buffer
	binary.Write(&imgs, binary.BigEndian, []uint32{0x803, n, 28, 28})
	binary.Write(&labs, binary.BigEndian, []uint32{0x801, n})
	for i := 0; i < n; i++ {
		imgs.Write(bytes.Repeat([]byte{byte(i * 30)}, 28*28))
		labs.WriteByte(byte(i % 10))
	}
	gz := func(name string, b []byte) {
		var out bytes.Buffer
		w := gzip.NewWriter(&out)
		w.Write(b)
		w.Close()
		os.WriteFile(filepath.Join(dir, name), out.Bytes(), 0o644)
	}
	gz("train-images-idx3-ubyte.gz", imgs.Bytes())
	os.WriteFile(filepath.Join(dir, "train-labels-idx1-ubyte"), labs.Bytes(), 0o644)
	src, _ := ParseSource("mnist:"+dir, "")
	got, rejects := collect(t, src)
	if len(got) != n || len(rejects) != 0 {
		t.Fatalf("%d images, %d rejects", len(got), len(rejects))
	}
	for i, im := range got {
		g := im.Img.(*image.Gray)
		if im.ID != fmt.Sprintf("mnist/train/%05d", i) || im.Label != int64(i%10) || im.Class != fmt.Sprint(i%10) || g.Pix[100] != byte(i*30) || g.Bounds().Dx() != 28 {
			t.Errorf("image %d: %s label %d class %s", i, im.ID, im.Label, im.Class)
		}
	}
	if _, err := (Source{Kind: MNIST, Path: dir, Split: "test"}).Units(context.Background()); err == nil || !strings.Contains(err.Error(), "t10k-images-idx3-ubyte") {
		t.Errorf("missing test files: %v", err)
	}
}

// ImageNet-style TFRecords: good records become images, bad ones are rejected with reasons.
func TestTFRecordSource(t *testing.T) {
	dir := t.TempDir()
	jpg, err := os.ReadFile("testdata/tree/cup/coffee.jpg")
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.Create(filepath.Join(dir, "in-00000.tfrecord"))
	w := shards.NewWriter(f, shards.None)
	good := &shards.Example{Features: map[string]shards.Feature{
		"image/encoded": shards.BytesFeature(jpg), "image/class/label": shards.Int64Feature(4),
		"image/class/text": shards.StringFeature("cup"), "image/filename": shards.StringFeature("n0001/cup.JPEG"),
	}}
	noLabel := &shards.Example{Features: map[string]shards.Feature{"image/encoded": shards.BytesFeature(jpg)}}
	w.Write(good.Marshal())
	w.Write(noLabel.Marshal())
	w.Write([]byte("not a proto \xff\xff"))
	w.Close()
	f.Close()
	src, _ := ParseSource("tfrecord:"+filepath.Join(dir, "*.tfrecord"), "")
	imgs, rejects := collect(t, src)
	if len(imgs) != 1 || imgs[0].ID != "n0001/cup.JPEG" || imgs[0].Label != 4 || imgs[0].Class != "cup" || !bytes.Equal(imgs[0].Data, jpg) {
		t.Errorf("images: %+v", imgs)
	}
	if len(rejects) != 2 || !strings.Contains(rejects[0].Reason, "image/class/label") || !strings.Contains(rejects[1].Reason, "decoding tf.train.Example") {
		t.Errorf("rejects: %+v", rejects)
	}
	if !strings.HasSuffix(rejects[0].Source, "in-00000.tfrecord#1") {
		t.Errorf("reject source %q", rejects[0].Source)
	}
	// Without --labels the classes come from the records: label 4 is "cup".
	if got := labelsFromRecords(map[string]int64{"cup": 4, "mug": 1}); strings.Join(got, ",") != "0,mug,2,3,cup" {
		t.Errorf("labelsFromRecords = %v", got)
	}
}

func TestEncodeRawViews(t *testing.T) {
	rgba := image.NewRGBA(image.Rect(0, 0, 2, 1))
	copy(rgba.Pix, []byte{1, 2, 3, 255, 4, 5, 6, 255})
	if got := augment.AppendHWC(nil, rgba, 3); !bytes.Equal(got, []byte{1, 2, 3, 4, 5, 6}) {
		t.Errorf("RGB raw = %v", got)
	}
	gray := image.NewGray(image.Rect(0, 0, 3, 1))
	copy(gray.Pix, []byte{7, 8, 9})
	if got := augment.AppendHWC(nil, gray, 1); !bytes.Equal(got, []byte{7, 8, 9}) {
		t.Errorf("gray raw = %v", got)
	}
	if got := augment.AppendHWC(nil, gray, 3); !bytes.Equal(got, []byte{7, 7, 7, 8, 8, 8, 9, 9, 9}) {
		t.Errorf("gray as RGB = %v", got)
	}
}

// Every PNG compression level encodes the same pixels.
func TestPNGCompressionLevels(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 7, 5))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 37)
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	for name, level := range pngLevels {
		b, err := encodeView(img, "png", 0, 3, level)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeImage(b)
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		if raw := augment.AppendHWC(nil, got, 3); !bytes.Equal(raw, augment.AppendHWC(nil, img, 3)) {
			t.Errorf("--png-compression %q changed the pixels", name)
		}
	}
	cfg := Config{Input: "d", Output: "o", Policy: "none", Views: 1, Epochs: 1, Shards: 1, Size: 8, Channels: 3, Format: "png", PNGCompression: "fastest"}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), `PNGCompression "fastest"`) {
		t.Errorf("Validate: %v", err)
	}
}

// --crop none keeps whole images, which must already be --size; --crop
// center and --no-flip are deterministic evaluation views; a bad --crop is
// refused up front.
func TestCropModes(t *testing.T) {
	dir := t.TempDir()
	cfg := treeConfig(t, filepath.Join(dir, "none", "val"))
	cfg.Crop, cfg.Policy, cfg.Views, cfg.Epochs, cfg.Size = "none", "none", 1, 1, 12
	if _, err := RunLocal(context.Background(), cfg, 1); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(RejectedPath(cfg.Output))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "crop mode none keeps an image's own size") {
		t.Fatalf("images of another size were not rejected with the reason:\n%s", data)
	}
	center := treeConfig(t, filepath.Join(dir, "center", "val"))
	center.Crop, center.Policy, center.NoFlip = "center", "none", true
	if _, err := RunLocal(context.Background(), center, 1); err != nil {
		t.Fatal(err)
	}
	for _, m := range readDataset(t, center.Output) {
		if string(m.Views[0]) != string(m.Views[1]) {
			t.Fatalf("%s: center-crop views differ", m.ID)
		}
	}
	bad := treeConfig(t, filepath.Join(dir, "bad", "val"))
	bad.Crop = "middle"
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "middle") {
		t.Fatalf("--crop middle: %v", err)
	}
}

// A class folder of more files than one page of the listing is listed in
// pages: EachUnit yields every image once (dot files and files outside a
// class folder skipped), and Units the same, sorted; on gs:// too.
func TestFolderListedInPages(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	want := map[string]bool{}
	for i := 0; i < 2100; i++ { // more than two pages of the local walk
		name := fmt.Sprintf("big/%04d.png", i)
		want[name] = true
		os.MkdirAll(filepath.Join(dir, "big"), 0o755)
		os.WriteFile(filepath.Join(dir, name), nil, 0o644)
	}
	os.MkdirAll(filepath.Join(dir, "small", "deep"), 0o755)
	os.WriteFile(filepath.Join(dir, "small", "deep", "a.jpg"), nil, 0o644)
	want["small/deep/a.jpg"] = true
	os.WriteFile(filepath.Join(dir, "small", ".hidden.jpg"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "root.jpg"), nil, 0o644)

	check := func(root string) {
		t.Helper()
		src, err := ParseSource(root, "")
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		err = src.EachUnit(ctx, func(u Unit) error {
			seen[u.ID]++
			if c, _, _ := strings.Cut(u.ID, "/"); u.Class != c || !strings.HasSuffix(u.Path, u.ID) {
				t.Errorf("unit %+v", u)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(seen) != len(want) {
			t.Errorf("%s: %d units, want %d", root, len(seen), len(want))
		}
		for id, n := range seen {
			if !want[id] || n != 1 {
				t.Errorf("%s: unit %s listed %d times", root, id, n)
			}
		}
		units, err := src.Units(ctx)
		if err != nil || len(units) != len(want) || !sort.SliceIsSorted(units, func(i, j int) bool { return units[i].Path < units[j].Path }) {
			t.Errorf("%s: Units gives %d units (sorted: %v), %v", root, len(units), err == nil, err)
		}
		stop := errors.New("stop")
		n := 0
		if err := src.EachUnit(ctx, func(Unit) error { n++; return stop }); err != stop || n != 1 {
			t.Errorf("%s: an error from fn: %v after %d units, want it back after 1", root, err, n)
		}
	}
	check(dir)
	bucket := gcstest.Start(t)
	for _, id := range []string{"big/0001.png", "big/0002.png", "small/deep/a.jpg", "small/.hidden.jpg", "root.jpg"} {
		w, err := storage.Create(ctx, "gs://"+bucket+"/tree/"+id)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	want = map[string]bool{"big/0001.png": true, "big/0002.png": true, "small/deep/a.jpg": true}
	check("gs://" + bucket + "/tree")
}
